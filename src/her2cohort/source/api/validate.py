"""Checks of API answers: JSON shape, required fields, samples in scope, row counts.

Each raises :class:`ApiError` with a one-line message naming the endpoint and the status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
