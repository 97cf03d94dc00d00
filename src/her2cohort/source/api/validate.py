"""Checks of API answers: JSON shape, required fields, samples in scope, unique rows, counts.

Each raises :class:`ApiError` with a one-line message naming the endpoint and the status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from her2cohort.source.api.spec import ApiError, ApiResponse


def expect_list(resp: ApiResponse) -> list[dict[str, Any]]:
    if not isinstance(resp.data, list) or not all(isinstance(r, dict) for r in resp.data):
        raise ApiError(
            resp.endpoint, f"HTTP {resp.status}: expected a JSON array of objects", resp.status
        )
    return resp.data


def expect_object(resp: ApiResponse) -> dict[str, Any]:
    if not isinstance(resp.data, dict):
        raise ApiError(resp.endpoint, f"HTTP {resp.status}: expected a JSON object", resp.status)
    return resp.data


def require_fields(
    resp: ApiResponse, records: Sequence[Mapping[str, Any]], fields: Iterable[str]
) -> None:
    wanted = tuple(fields)
    for i, rec in enumerate(records):
        missing = [f for f in wanted if rec.get(f) is None]
        if missing:
            raise ApiError(
                resp.endpoint,
                f"HTTP {resp.status}: record {i} lacks required field(s) {', '.join(missing)}",
                resp.status,
            )


def require_members(
    resp: ApiResponse, records: Sequence[Mapping[str, Any]], allowed: set[str], what: str
) -> None:
    outside = sorted({str(r.get("sampleId")) for r in records} - allowed)
    if outside:
        raise ApiError(
            resp.endpoint,
            f"HTTP {resp.status}: {len(outside)} sample(s) not in {what}, "
            f"e.g. {', '.join(outside[:3])}",
            resp.status,
        )


def require_total(endpoint: str, total: int | None, received: int) -> None:
    if total is not None and total != received:
        raise ApiError(
            endpoint, f"HTTP 200 but received {received} rows, total-count says {total}", 200
        )


def _fold(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def mutation_key(rec: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes a mutation row unique in the portal's database.

    The importer stores one row per (profile, sample, mutation event) and merges repeats
    (cbioportal-core ``ExtendedMutation.equals``); the event is compared as
    ``MutationEvent.equals`` does: gene, chromosome, start, end, protein change, tumour allele
    and variant classification, strings case-insensitively.
    """
    return (
        rec.get("molecularProfileId"),
        rec.get("sampleId"),
        rec.get("entrezGeneId"),
        _fold(rec.get("chr")),
        rec.get("startPosition"),
        rec.get("endPosition"),
        _fold(rec.get("proteinChange")),
        _fold(rec.get("variantAllele")),
        _fold(rec.get("mutationType")),
    )


def clinical_key(entity_field: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """(sample or patient, attribute): the primary key of the clinical data tables."""

    def key(rec: Mapping[str, Any]) -> tuple[Any, ...]:
        return (rec.get(entity_field), rec.get("clinicalAttributeId"))

    return key


def require_unique(
    endpoint: str,
    records: Sequence[Mapping[str, Any]],
    key: Callable[[Mapping[str, Any]], Hashable],
    status: int = 200,
) -> None:
    """No two rows with the same `key`: a repeated row means pages overlapped (and, when the
    count still matches, that another row was skipped)."""
    counts = Counter(key(r) for r in records)
    repeated = [k for k, n in counts.items() if n > 1]
    if repeated:
        extra = sum(counts[k] - 1 for k in repeated)
        raise ApiError(
            endpoint,
            f"HTTP {status} but {extra} duplicate row(s) (pages overlapped or the portal "
            f"repeated a row), e.g. {repeated[0]!r}",
            status,
        )
