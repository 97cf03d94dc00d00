"""Fetch one study from the cBioPortal REST API into canonical :class:`StudyTables`.

Only bulk endpoints are used, so the number of requests does not depend on the number of
samples or genes (breast_msk_2018: 14 requests). Each step is one request unless a paged
endpoint holds more than ``page_size`` rows:

 1. ``GET  /studies/{id}``                                        study metadata
 2. ``GET  /studies/{id}/molecular-profiles``                     profiles, picked by
    ``molecularAlterationType``/``datatype`` (never by hard-coded ids)
 3. ``GET  /studies/{id}/sample-lists?projection=DETAILED``       case lists with their sample ids
 4. ``GET  /studies/{id}/samples``
 5. ``GET  /studies/{id}/clinical-attributes``
 6. ``GET  /studies/{id}/clinical-data?clinicalDataType=SAMPLE``   (and 7. ``=PATIENT``)
 8. ``POST /molecular-profiles/{p}/mutations/fetch`` with ``projection=META`` (``total-count``),
 9. then ``projection=DETAILED`` pages, body ``{"sampleListId": ...}``
10. ``POST /molecular-profiles/{p}/discrete-copy-number/fetch`` META, 11. then DETAILED,
    ``discreteCopyNumberEventType=HOMDEL_AND_AMP``
12. ``POST /structural-variant/fetch`` ``{"molecularProfileIds": [...]}``
13. ``POST /gene-panel-data/fetch`` for the three profiles
14. ``POST /gene-panels/fetch?projection=DETAILED`` for the panels in use
15. ``POST /genes/fetch`` only if a mutation/CNA record came back without its gene symbol.

Transport: one :class:`requests.Session`; the token (argument or ``CBIOPORTAL_TOKEN``) is sent
as ``Authorization: Bearer`` and is never logged, cached, or written into the tables. 429 (with
``Retry-After``), 5xx, connection errors, read timeouts and unparsable (e.g. truncated) JSON are
retried with exponential backoff up to ``max_attempts``; then, or on any other HTTP error, an
:class:`ApiError` with a one-line message naming the endpoint and the status is raised. Every raw
response is cached under ``cache_dir`` (key: method, URL, sorted query, body hash) and written
atomically, so an interrupted pull resumes without refetching. Responses are validated (required
fields, samples belong to the sample list asked for, ``total-count`` equals the rows received);
a response that fails validation is dropped from the cache.

How the API tables differ from :func:`her2cohort.source.folder.read_study_folder` on the same
study (the API cannot carry these fields the way the files do):

* **cna** -- only deep deletions and amplifications (``HOMDEL_AND_AMP``): shallow -1/+1 calls are
  not fetched (``ALL`` returns every diploid cell and silently drops -1.5), and the MSK partial
  deletion ``-1.5`` is served as ``-2`` (the importer rewrites it).
* **mutations** -- rows rejected by the importer's mutation filter are absent (Variant
  classification Silent, Intron, 3'UTR, 3'Flank, 5'UTR, IGR, 5'Flank outside TERT; Mutation_Status
  None/LOH/Wildtype; Validation_Status Redacted). ``protein_change`` is ``MUTATED`` where the MAF
  had no HGVSp_Short and ``Promoter`` for TERT 5'Flank. ``entrez_gene_id`` is the portal's
  resolved id where a file may carry ``0``. ``tumor_seq_allele2`` is the importer's chosen tumour
  allele (``variantAllele``).
* **samples / patients** -- values the importer treats as missing (empty, ``NA``,
  ``Not Applicable``, ``Not Available``, ``Pending``, ``Discrepancy``, ``Completed``, ``null``,
  ``[Not Available]`` ...) are not stored, so they come back as ``<NA>``. Attribute ids are upper
  case. The portal adds attributes it computes (``SAMPLE_COUNT`` per patient, ``MUTATION_COUNT``
  and ``FRACTION_GENOME_ALTERED`` per sample); they are kept and listed in ``notes``. Normal
  samples are not imported. The importer may rewrite survival status values to the ``0:``/``1:``
  form (not verified).
* **attributes** -- no rows for the identity columns PATIENT_ID / SAMPLE_ID; ``priority`` is the
  value the portal stores (a string; portals may re-curate it), not necessarily the file's.
* **sv** -- ``origin`` is ``api``. Fusions imported from an old ``data_fusions.txt`` (one row per
  partner gene) are stored as SVs converted by datahub's fusion-to-sv converter: site 1/site 2
  follow the order of the genes in the Fusion name (the folder reader follows file row order),
  and a gene row not named in the Fusion name becomes a single-gene event.
* **gene_panels** -- the portal's panel definitions; a folder may ship none.
* **case_lists** -- includes lists the portal generates (e.g. ``<study>_all``).
* **meta / inputs** -- the API's study record (``importDate`` etc.) and one record per request
  (endpoint, query, body hash, sha256 of the raw response) instead of file paths.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd
import requests

from her2cohort.io import atomic_path
from her2cohort.source.progress import Progress, reporter
from her2cohort.source.tables import (
    ATTRIBUTE_COLUMNS,
    CASE_LIST_COLUMNS,
    CNA_COLUMNS,
    MUTATION_COLUMNS,
    PANEL_COLUMNS,
    PROFILE_COLUMNS,
    SV_COLUMNS,
    StudyTables,
    empty,
)

log = logging.getLogger(__name__)

TOKEN_ENV = "CBIOPORTAL_TOKEN"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = (10.0, 300.0)
DEFAULT_PAGE_SIZE = 100_000
#: query parameter for "everything in one page" on list endpoints (cBioPortal's MAX_PAGE_SIZE)
LIST_PAGE_SIZE = 10_000_000
USER_AGENT = "her2cohort (python-requests; cBioPortal study pull)"
KEPT_HEADERS = ("total-count", "sample-count", "x-total-count", "content-type")
CNA_EVENT_TYPE = "HOMDEL_AND_AMP"
#: attributes the portal computes at import time (not in the study's files)
DERIVED_ATTRIBUTES = ("SAMPLE_COUNT", "MUTATION_COUNT", "FRACTION_GENOME_ALTERED")

#: (molecularAlterationType, datatype) -> canonical profile kind, in order of preference
PROFILE_TYPES: dict[tuple[str, str], str] = {
    ("MUTATION_EXTENDED", "MAF"): "mutations",
    ("MUTATION_UNCALLED", "MAF"): "mutations",
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
    ("COPY_NUMBER_ALTERATION", "DISCRETE_LONG"): "cna",
    ("STRUCTURAL_VARIANT", "SV"): "structural_variants",
    ("STRUCTURAL_VARIANT", "FUSION"): "structural_variants",
    ("FUSION", "FUSION"): "structural_variants",
}
#: usual profile id suffix of each kind (a tie-breaker when a study has several)
PROFILE_SUFFIX = {
    "mutations": "_mutations",
    "cna": "_cna",
    "structural_variants": "_structural_variants",
}
#: (sample list id suffix, category) that covers the samples profiled for a kind
SAMPLE_LIST_FOR = {
    "mutations": ("_sequenced", "all_cases_with_mutation_data"),
    "cna": ("_cna", "all_cases_with_cna_data"),
}


class ApiError(RuntimeError):
    """A cBioPortal request failed or returned unusable data; the message is one line."""

    def __init__(self, endpoint: str, problem: str, status: int | None = None) -> None:
        self.endpoint = endpoint
        self.status = status
        super().__init__(one_line(f"{endpoint}: {problem}"))


def one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# --------------------------------------------------------------------------- requests & cache


@dataclass(frozen=True)
class RequestSpec:
    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def body_sha256(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None

    @property
    def is_meta(self) -> bool:
        return ("projection", "META") in self.params


def make_spec(
    method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None
) -> RequestSpec:
    """Normalise a request: sorted string query, canonical JSON body."""
    query = tuple(
        sorted((str(k), _param_str(v)) for k, v in (params or {}).items() if v is not None)
    )
    payload = None
    if body is not None:
        payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return RequestSpec(method.upper(), path, query, payload)


def _param_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cache_key(base_url: str, spec: RequestSpec) -> str:
    """Method + URL + sorted query + body hash (never headers, so never the token)."""
    parts = [
        spec.method,
        base_url.rstrip("/") + spec.path,
        urlencode(spec.params),
        spec.body_sha256 or "",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def redact_url(url: str) -> str:
    """Drop user:password@ from a URL so it can be logged and recorded."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


@dataclass
class ApiResponse:
    spec: RequestSpec
    status: int
    data: Any
    headers: dict[str, str]
    sha256: str
    size: int
    cached: bool
    key: str

    @property
    def endpoint(self) -> str:
        return self.spec.endpoint

    @property
    def total_count(self) -> int | None:
        raw = self.headers.get("total-count")
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError as exc:
            raise ApiError(self.endpoint, f"bad total-count header {raw!r}", self.status) from exc

    def input_record(self, rows: int | None) -> dict[str, Any]:
        rec: dict[str, Any] = {"endpoint": self.endpoint, "params": dict(self.spec.params)}
        if self.spec.body_sha256:
            rec["body_sha256"] = self.spec.body_sha256
        rec.update({"status": self.status, "sha256": self.sha256, "bytes": self.size})
        if rows is not None:
            rec["rows"] = rows
        if self.total_count is not None:
            rec["total_count"] = self.total_count
        return rec


class ResponseCache:
    """Raw responses on disk: ``<key>.body`` (bytes as received) and ``<key>.json`` (metadata).

    Both are written atomically, body first; an entry counts only if its metadata exists and the
    body's sha256 matches it, so a pull killed mid-write simply refetches that one request.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.root / f"{key}.body", self.root / f"{key}.json"

    def load(self, key: str) -> tuple[bytes, dict[str, Any]] | None:
        body_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text())
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None
        return body, meta

    def store(self, key: str, body: bytes, meta: dict[str, Any]) -> None:
        body_path, meta_path = self._paths(key)
        with atomic_path(body_path) as tmp:
            tmp.write_bytes(body)
        with atomic_path(meta_path) as tmp:
            tmp.write_text(json.dumps(meta, indent=1, sort_keys=True))

    def discard(self, key: str) -> None:
        for path in self._paths(key):
            path.unlink(missing_ok=True)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff before retry number `attempt` (1-based)."""
    return float(min(cap, base * (2 ** (attempt - 1))))


def decode_body(content: bytes, spec: RequestSpec) -> Any:
    """Parse a JSON body; META responses have none. Raises ValueError on bad JSON."""
    if spec.is_meta and not content.strip():
        return None
    return json.loads(content.decode("utf-8"))


def _error_message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and body.get("message"):
        return f" ({one_line(str(body['message']), 200)})"
    return ""


class CBioPortalClient:
    """A small retrying, caching JSON client for one cBioPortal instance."""

    def __init__(
        self,
        base_url: str,
        cache_dir: str | Path | None = None,
        *,
        token: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_retry_after: float = 300.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._token = token or None
        self._sleep = sleep
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers.update(
            {"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        )
        self.requests_sent = 0

    def __enter__(self) -> CBioPortalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __repr__(self) -> str:  # never show the token
        token = "set" if self._token else "none"
        return f"CBioPortalClient({redact_url(self.base_url)!r}, token={token})"

    def _redact(self, text: str) -> str:
        """Server-supplied text may echo request headers: never let the token through."""
        return text.replace(self._token, "<token>") if self._token else text

    def _headers(self, spec: RequestSpec) -> dict[str, str]:
        headers = {}
        if spec.body is not None:
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> ApiResponse:
        """One API call, answered from the cache when possible."""
        spec = make_spec(method, path, params, body)
        key = cache_key(self.base_url, spec)
        hit = self.cache.load(key) if self.cache else None
        if hit is not None and self.cache is not None:
            content, meta = hit
            try:
                data = decode_body(content, spec)
            except ValueError:
                self.cache.discard(key)
            else:
                return ApiResponse(
                    spec,
                    int(meta["status"]),
                    data,
                    dict(meta["headers"]),
                    meta["sha256"],
                    len(content),
                    True,
                    key,
                )
        status, content, data, headers = self._send(spec)
        digest = hashlib.sha256(content).hexdigest()
        if self.cache:
            meta = {
                "endpoint": spec.endpoint,
                "base_url": redact_url(self.base_url),
                "params": dict(spec.params),
                "body_sha256": spec.body_sha256,
                "status": status,
                "headers": headers,
                "sha256": digest,
                "bytes": len(content),
            }
            self.cache.store(key, content, meta)
        return ApiResponse(spec, status, data, headers, digest, len(content), False, key)

    def forget(self, response: ApiResponse) -> None:
        """Drop a response from the cache (it failed validation)."""
        if self.cache:
            self.cache.discard(response.key)

    def _send(self, spec: RequestSpec) -> tuple[int, bytes, Any, dict[str, str]]:
        url = self.base_url + spec.path
        for attempt in range(1, self.max_attempts + 1):
            status: int | None = None
            retry_after: float | None = None
            try:
                self.requests_sent += 1
                resp = self.session.request(
                    spec.method,
                    url,
                    params=list(spec.params),
                    data=spec.body,
                    headers=self._headers(spec),
                    timeout=self.timeout,
                )
                content = resp.content
            except requests.Timeout as exc:
                problem = f"no response in time ({type(exc).__name__})"
            except (
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                problem = f"connection failed ({type(exc).__name__})"
            except requests.RequestException as exc:
                raise ApiError(spec.endpoint, f"request not sent ({type(exc).__name__})") from exc
            else:
                status = resp.status_code
                status_text = f"HTTP {status} {resp.reason or ''}".rstrip()
                if status in RETRY_STATUSES:
                    problem = status_text + self._redact(_error_message(resp))
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                elif status >= 400:
                    message = self._redact(_error_message(resp))
                    raise ApiError(spec.endpoint, status_text + message, status)
                else:
                    try:
                        data = decode_body(content, spec)
                    except ValueError as exc:
                        problem = f"{status_text} with invalid JSON ({one_line(str(exc), 120)})"
                    else:
                        headers = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
                        return status, content, data, headers
            if attempt == self.max_attempts:
                raise ApiError(
                    spec.endpoint, f"{problem}; gave up after {attempt} attempts", status
                )
            if retry_after is not None:
                delay = min(retry_after, self.max_retry_after)
            else:
                delay = backoff_delay(attempt, self.backoff, self.max_backoff)
            log.warning(
                "%s: %s; retry %d of %d in %.2f s",
                spec.endpoint,
                problem,
                attempt,
                self.max_attempts - 1,
                delay,
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- validation


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


# --------------------------------------------------------------------------- pure converters


def pick_profiles(profiles: Sequence[Mapping[str, Any]], study_id: str) -> dict[str, str]:
    """Choose one molecular profile per canonical kind by type, preferring the usual id."""
    order = list(PROFILE_TYPES)
    candidates: dict[str, list[tuple[int, bool, str]]] = {}
    for prof in profiles:
        key = (
            str(prof.get("molecularAlterationType", "")).upper(),
            str(prof.get("datatype", "")).upper(),
        )
        kind = PROFILE_TYPES.get(key)
        if kind is None or prof.get("patientLevel"):
            continue
        pid = str(prof["molecularProfileId"])
        usual = pid == study_id + PROFILE_SUFFIX[kind]
        candidates.setdefault(kind, []).append((order.index(key), not usual, pid))
    return {kind: sorted(options)[0][2] for kind, options in candidates.items()}


def pick_sample_list(lists: Sequence[Mapping[str, Any]], study_id: str, kind: str) -> str | None:
    """The sample list covering a profile: <study>_sequenced / _cna, by category, else _all."""
    suffix, category = SAMPLE_LIST_FOR[kind]
    by_id = {str(sl["sampleListId"]): sl for sl in lists}
    for wanted in (study_id + suffix, study_id + "_all"):
        if wanted in by_id:
            return wanted
    for wanted_cat in (category, "all_cases_in_study"):
        for sl in lists:
            if sl.get("category") == wanted_cat:
                return str(sl["sampleListId"])
    return None


def case_lists_frame(lists: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        (sl["sampleListId"], sl.get("category"), sid)
        for sl in lists
        for sid in sl.get("sampleIds") or []
    ]
    if not rows:
        return empty(CASE_LIST_COLUMNS)
    return pd.DataFrame(rows, columns=CASE_LIST_COLUMNS).astype("string")


def attributes_frame(attrs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "attribute_id": a["clinicalAttributeId"],
            "level": "patient" if a.get("patientAttribute") else "sample",
            "display_name": a.get("displayName"),
            "description": a.get("description"),
            "datatype": a.get("datatype"),
            "priority": None if a.get("priority") is None else str(a["priority"]),
        }
        for a in attrs
    ]
    if not rows:
        return empty(ATTRIBUTE_COLUMNS)
    return pd.DataFrame(rows, columns=ATTRIBUTE_COLUMNS).astype("string")


def clinical_frame(
    key: str,
    ids: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    attribute_ids: Sequence[str],
    fixed: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Long clinical records -> one row per entity, one string column per attribute.

    `key` is SAMPLE_ID or PATIENT_ID; `fixed` adds identity columns (e.g. PATIENT_ID of a sample).
    """
    entity_field = "sampleId" if key == "SAMPLE_ID" else "patientId"
    values: dict[str, dict[str, str]] = {i: {} for i in ids}
    for rec in records:
        values.setdefault(str(rec[entity_field]), {})[str(rec["clinicalAttributeId"])] = str(
            rec["value"]
        )
    extra_attrs = sorted({a for v in values.values() for a in v} - set(attribute_ids))
    fixed_cols = sorted({c for f in (fixed or {}).values() for c in f})
    columns = [
        key,
        *fixed_cols,
        *[a for a in [*attribute_ids, *extra_attrs] if a not in (key, *fixed_cols)],
    ]
    rows = []
    for entity, attrs in values.items():
        row = {key: entity, **(fixed or {}).get(entity, {}), **attrs}
        rows.append([row.get(c) for c in columns])
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype("string")


def gene_symbol(rec: Mapping[str, Any], symbols: Mapping[int, str]) -> str | None:
    gene = rec.get("gene")
    if isinstance(gene, Mapping) and gene.get("hugoGeneSymbol"):
        return str(gene["hugoGeneSymbol"])
    entrez = rec.get("entrezGeneId")
    return symbols.get(int(entrez)) if entrez is not None else None


def missing_symbols(records: Iterable[Mapping[str, Any]]) -> list[int]:
    """Entrez ids of records without a nested gene symbol (SUMMARY projection)."""
    out = set()
    for rec in records:
        gene = rec.get("gene")
        if (
            not (isinstance(gene, Mapping) and gene.get("hugoGeneSymbol"))
            and rec.get("entrezGeneId") is not None
        ):
            out.add(int(rec["entrezGeneId"]))
    return sorted(out)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def mutations_frame(
    records: Sequence[Mapping[str, Any]], symbols: Mapping[int, str]
) -> pd.DataFrame:
    rows = [
        {
            "sample_id": r["sampleId"],
            "gene": gene_symbol(r, symbols),
            "entrez_gene_id": _str_or_none(r.get("entrezGeneId")),
            "variant_classification": r.get("mutationType"),
            "variant_type": r.get("variantType"),
            "chromosome": _str_or_none(r.get("chr")),
            "start_position": _str_or_none(r.get("startPosition")),
            "end_position": _str_or_none(r.get("endPosition")),
            "reference_allele": r.get("referenceAllele"),
            "tumor_seq_allele2": r.get("variantAllele"),
            "protein_change": _strip_p(r.get("proteinChange")),
            "mutation_status": r.get("mutationStatus"),
        }
        for r in records
    ]
    if not rows:
        return empty(MUTATION_COLUMNS)
    return pd.DataFrame(rows, columns=MUTATION_COLUMNS).astype("string")


def _strip_p(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text[2:] if text.startswith("p.") else text


def cna_frame(records: Sequence[Mapping[str, Any]], symbols: Mapping[int, str]) -> pd.DataFrame:
    rows = [
        (r["sampleId"], gene_symbol(r, symbols), float(r["alteration"]))
        for r in records
        if float(r["alteration"]) != 0
    ]
    if not rows:
        out = empty(CNA_COLUMNS)
        out["value"] = out["value"].astype("float64")
        return out
    frame = pd.DataFrame(rows, columns=CNA_COLUMNS)
    frame["sample_id"] = frame["sample_id"].astype("string")
    frame["gene"] = frame["gene"].astype("string")
    return frame


def sv_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        (
            r["sampleId"],
            r.get("site1HugoSymbol"),
            r.get("site2HugoSymbol"),
            r.get("eventInfo"),
            "api",
        )
        for r in records
    ]
    if not rows:
        return empty(SV_COLUMNS)
    return pd.DataFrame(rows, columns=SV_COLUMNS).astype("string")


def profiles_frame(
    panel_data: Sequence[Mapping[str, Any]], kind_of: Mapping[str, str]
) -> pd.DataFrame:
    """Profiled (sample, kind, panel) rows; a profiled row without genePanelId is whole-genome."""
    rows = [
        (r["sampleId"], kind_of[str(r["molecularProfileId"])], r.get("genePanelId"))
        for r in panel_data
        if r.get("profiled") and str(r.get("molecularProfileId")) in kind_of
    ]
    if not rows:
        return empty(PROFILE_COLUMNS)
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS).astype("string")


def gene_panels_frame(panels: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        (p["genePanelId"], g["hugoGeneSymbol"])
        for p in panels
        for g in p.get("genes") or []
        if g.get("hugoGeneSymbol")
    ]
    if not rows:
        return empty(PANEL_COLUMNS)
    return pd.DataFrame(rows, columns=PANEL_COLUMNS).drop_duplicates().astype("string")


def study_meta(study: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """Study metadata in the folder reader's meta_study.txt keys, plus the API record."""
    scalar = {k: v for k, v in study.items() if not isinstance(v, (dict, list))}
    mapped = {
        "cancer_study_identifier": study.get("studyId"),
        "type_of_cancer": study.get("cancerTypeId"),
        "name": study.get("name"),
        "description": study.get("description"),
        "citation": study.get("citation"),
        "pmid": study.get("pmid"),
        "reference_genome": study.get("referenceGenome"),
        "import_date": study.get("importDate"),
    }
    return {
        "base_url": redact_url(base_url),
        **{k: v for k, v in mapped.items() if v is not None},
        "api_study": scalar,
    }


# --------------------------------------------------------------------------- the pull


@dataclass
class _Pull:
    client: CBioPortalClient
    study_id: str
    report: Callable[[str], None]
    page_size: int
    inputs: list[dict[str, Any]] = field(default_factory=list)
    step: int = 0

    def call(
        self,
        what: str,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> ApiResponse:
        resp = self.client.request(method, path, params, body)
        rows = len(resp.data) if isinstance(resp.data, list) else None
        self.inputs.append(resp.input_record(rows))
        self.step += 1
        amount = (
            f"{rows} rows"
            if rows is not None
            else (f"total-count {resp.total_count}" if resp.spec.is_meta else "1 record")
        )
        self.report(
            f"{self.study_id} step {self.step}: {what}: {resp.endpoint} -> {amount}"
            + (" (cached)" if resp.cached else "")
        )
        return resp

    def validated(self, resp: ApiResponse, check: Callable[[], None]) -> None:
        """Run a validation; on failure drop the response from the cache and re-raise."""
        try:
            check()
        except ApiError:
            self.client.forget(resp)
            raise

    def paged(
        self,
        what: str,
        method: str,
        path: str,
        params: Mapping[str, Any],
        body: Any,
        total: int | None,
    ) -> tuple[list[dict[str, Any]], list[ApiResponse]]:
        rows: list[dict[str, Any]] = []
        responses = []
        page = 0
        while True:
            resp = self.call(
                what, method, path, {**params, "pageSize": self.page_size, "pageNumber": page}, body
            )
            responses.append(resp)
            batch = expect_list(resp)
            rows.extend(batch)
            if len(batch) < self.page_size or (total is not None and len(rows) >= total):
                break
            page += 1
        try:
            require_total(responses[-1].endpoint, total, len(rows))
        except ApiError:
            for r in responses:
                self.client.forget(r)
            raise
        return rows, responses

    def meta_count(
        self, what: str, method: str, path: str, params: Mapping[str, Any], body: Any
    ) -> int | None:
        resp = self.call(what + " (count)", method, path, {**params, "projection": "META"}, body)
        total = resp.total_count
        if total is None:
            self.client.forget(resp)
            raise ApiError(
                resp.endpoint,
                f"HTTP {resp.status}: projection=META without a total-count header",
                resp.status,
            )
        return total


def _sample_filter(list_id: str | None, sample_ids: Sequence[str]) -> dict[str, Any]:
    """XOR body: a sample list id when there is one, otherwise the explicit sample ids."""
    return {"sampleListId": list_id} if list_id else {"sampleIds": list(sample_ids)}


def fetch_study(
    study_id: str,
    base_url: str,
    cache_dir: str | Path,
    *,
    token: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    max_attempts: int = 5,
    backoff: float = 1.0,
    progress: Progress = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    session: requests.Session | None = None,
) -> StudyTables:
    """Pull `study_id` from the cBioPortal API at `base_url` into canonical tables.

    `token` defaults to the CBIOPORTAL_TOKEN environment variable. `backoff` is the first retry
    delay in seconds (doubling per attempt) unless the server sends Retry-After.
    """
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
    report = reporter(log, progress)
    with CBioPortalClient(
        base_url,
        cache_dir,
        token=token,
        timeout=timeout,
        max_attempts=max_attempts,
        backoff=backoff,
        session=session,
    ) as client:
        pull = _Pull(client, study_id, report, page_size)
        tables = _run_pull(pull)
    report(
        f"{study_id}: done, {len(pull.inputs)} requests ({client.requests_sent} sent to the server)"
    )
    return tables


def _run_pull(pull: _Pull) -> StudyTables:
    sid = pull.study_id
    base = f"/studies/{sid}"
    notes: list[str] = []

    resp = pull.call("study", "GET", base)
    study = expect_object(resp)
    pull.validated(resp, lambda: require_fields(resp, [study], ["studyId"]))
    if study["studyId"] != sid:
        pull.client.forget(resp)
        raise ApiError(
            resp.endpoint,
            f"HTTP {resp.status}: answered for study {study['studyId']!r}",
            resp.status,
        )

    resp = pull.call(
        "molecular profiles", "GET", f"{base}/molecular-profiles", {"pageSize": LIST_PAGE_SIZE}
    )
    profiles = expect_list(resp)
    pull.validated(
        resp,
        lambda: require_fields(resp, profiles, ["molecularProfileId", "molecularAlterationType"]),
    )
    chosen = pick_profiles(profiles, sid)
    kind_of = {pid: kind for kind, pid in chosen.items()}

    lists_resp = pull.call(
        "sample lists",
        "GET",
        f"{base}/sample-lists",
        {"projection": "DETAILED", "pageSize": LIST_PAGE_SIZE},
    )
    lists = expect_list(lists_resp)
    pull.validated(lists_resp, lambda: require_fields(lists_resp, lists, ["sampleListId"]))
    members = {str(sl["sampleListId"]): {str(s) for s in sl.get("sampleIds") or []} for sl in lists}

    resp = pull.call("samples", "GET", f"{base}/samples", {"pageSize": LIST_PAGE_SIZE})
    samples = expect_list(resp)
    pull.validated(resp, lambda: require_fields(resp, samples, ["sampleId", "patientId"]))
    sample_ids = [str(s["sampleId"]) for s in samples]
    study_samples = set(sample_ids)
    patient_of = {str(s["sampleId"]): str(s["patientId"]) for s in samples}
    for list_id, ids in members.items():
        if not ids <= study_samples:
            pull.client.forget(lists_resp)
            raise ApiError(
                lists_resp.endpoint,
                f"HTTP {lists_resp.status}: sample list {list_id} names "
                f"{len(ids - study_samples)} sample(s) the study lacks",
                lists_resp.status,
            )

    resp = pull.call(
        "clinical attributes", "GET", f"{base}/clinical-attributes", {"pageSize": LIST_PAGE_SIZE}
    )
    attrs = expect_list(resp)
    pull.validated(resp, lambda: require_fields(resp, attrs, ["clinicalAttributeId"]))

    clinical: dict[str, list[dict[str, Any]]] = {}
    for level, entity in (("SAMPLE", "sampleId"), ("PATIENT", "patientId")):
        rows, responses = pull.paged(
            f"clinical data ({level.lower()})",
            "GET",
            f"{base}/clinical-data",
            {"clinicalDataType": level},
            None,
            None,
        )
        last = responses[-1]
        pull.validated(
            last, partial(require_fields, last, rows, [entity, "clinicalAttributeId", "value"])
        )
        if level == "SAMPLE":
            pull.validated(last, partial(require_members, last, rows, study_samples, "the study"))
        clinical[level] = rows

    mutations: list[dict[str, Any]] = []
    if "mutations" in chosen:
        mutations = _fetch_mutations(pull, chosen["mutations"], lists, members, sample_ids)
    cna: list[dict[str, Any]] = []
    if "cna" in chosen:
        cna = _fetch_cna(pull, chosen["cna"], lists, members, sample_ids)
        notes.append(
            "cna from the API: only deep deletions and amplifications (HOMDEL_AND_AMP); "
            "-1.5 (partial deletion) is served as -2 and shallow -1/+1 calls are not fetched"
        )
    svs: list[dict[str, Any]] = []
    if "structural_variants" in chosen:
        resp = pull.call(
            "structural variants",
            "POST",
            "/structural-variant/fetch",
            body={"molecularProfileIds": [chosen["structural_variants"]]},
        )
        svs = expect_list(resp)
        pull.validated(resp, lambda: require_fields(resp, svs, ["sampleId"]))
        pull.validated(resp, lambda: require_members(resp, svs, study_samples, "the study"))

    panel_data: list[dict[str, Any]] = []
    panels: list[dict[str, Any]] = []
    if chosen:
        resp = pull.call(
            "gene panel data",
            "POST",
            "/gene-panel-data/fetch",
            body={"molecularProfileIds": sorted(chosen.values())},
        )
        panel_data = expect_list(resp)
        pull.validated(
            resp,
            lambda: require_fields(
                resp, panel_data, ["sampleId", "molecularProfileId", "profiled"]
            ),
        )
        pull.validated(resp, lambda: require_members(resp, panel_data, study_samples, "the study"))
        panel_ids = sorted(
            {
                str(r["genePanelId"])
                for r in panel_data
                if r.get("genePanelId") and r.get("profiled")
            }
        )
        if panel_ids:
            resp = pull.call(
                "gene panels", "POST", "/gene-panels/fetch", {"projection": "DETAILED"}, panel_ids
            )
            panels = expect_list(resp)
            pull.validated(resp, lambda: require_fields(resp, panels, ["genePanelId"]))
            unknown = sorted(set(panel_ids) - {str(p["genePanelId"]) for p in panels})
            if unknown:
                notes.append(
                    "gene panel definitions not available for "
                    + ", ".join(unknown)
                    + ": genes off a sample's panel cannot be told from unaltered"
                )

    symbols = _fetch_missing_symbols(pull, [*mutations, *cna])

    derived = sorted({str(a["clinicalAttributeId"]) for a in attrs} & set(DERIVED_ATTRIBUTES))
    if derived:
        notes.append(
            "attributes computed by the portal (not in the study files): " + ", ".join(derived)
        )

    sample_attr_ids = [
        str(a["clinicalAttributeId"]) for a in attrs if not a.get("patientAttribute")
    ]
    patient_attr_ids = [str(a["clinicalAttributeId"]) for a in attrs if a.get("patientAttribute")]
    patient_ids = list(
        dict.fromkeys([*patient_of.values(), *(str(r["patientId"]) for r in clinical["PATIENT"])])
    )
    return StudyTables(
        study_id=sid,
        source="api",
        samples=clinical_frame(
            "SAMPLE_ID",
            sample_ids,
            clinical["SAMPLE"],
            sample_attr_ids,
            {s: {"PATIENT_ID": p} for s, p in patient_of.items()},
        ),
        patients=clinical_frame("PATIENT_ID", patient_ids, clinical["PATIENT"], patient_attr_ids),
        attributes=attributes_frame(attrs),
        mutations=mutations_frame(mutations, symbols),
        cna=cna_frame(cna, symbols),
        sv=sv_frame(svs),
        profiles=profiles_frame(panel_data, kind_of),
        gene_panels=gene_panels_frame(panels),
        case_lists=case_lists_frame(lists),
        meta={
            **study_meta(study, pull.client.base_url),
            "molecular_profiles": chosen,
            "cna_event_type": CNA_EVENT_TYPE if "cna" in chosen else None,
        },
        inputs=pull.inputs,
        notes=notes,
    )


def _fetch_mutations(
    pull: _Pull,
    profile: str,
    lists: Sequence[Mapping[str, Any]],
    members: Mapping[str, set[str]],
    sample_ids: Sequence[str],
) -> list[dict[str, Any]]:
    list_id = pick_sample_list(lists, pull.study_id, "mutations")
    body = _sample_filter(list_id, sample_ids)
    path = f"/molecular-profiles/{profile}/mutations/fetch"
    total = pull.meta_count("mutations", "POST", path, {}, body)
    rows, responses = pull.paged("mutations", "POST", path, {"projection": "DETAILED"}, body, total)
    allowed = members[list_id] if list_id else set(sample_ids)
    for resp in responses:
        batch = expect_list(resp)
        pull.validated(resp, partial(require_fields, resp, batch, ["sampleId", "entrezGeneId"]))
        pull.validated(
            resp, partial(require_members, resp, batch, allowed, f"sample list {list_id}")
        )
    return rows


def _fetch_cna(
    pull: _Pull,
    profile: str,
    lists: Sequence[Mapping[str, Any]],
    members: Mapping[str, set[str]],
    sample_ids: Sequence[str],
) -> list[dict[str, Any]]:
    list_id = pick_sample_list(lists, pull.study_id, "cna")
    body = _sample_filter(list_id, sample_ids)
    path = f"/molecular-profiles/{profile}/discrete-copy-number/fetch"
    params = {"discreteCopyNumberEventType": CNA_EVENT_TYPE}
    total = pull.meta_count("discrete CNA", "POST", path, params, body)
    resp = pull.call("discrete CNA", "POST", path, {**params, "projection": "DETAILED"}, body)
    rows = expect_list(resp)
    allowed = members[list_id] if list_id else set(sample_ids)
    pull.validated(resp, lambda: require_total(resp.endpoint, total, len(rows)))
    pull.validated(
        resp, lambda: require_fields(resp, rows, ["sampleId", "entrezGeneId", "alteration"])
    )
    pull.validated(resp, lambda: require_members(resp, rows, allowed, f"sample list {list_id}"))
    return rows


def _fetch_missing_symbols(pull: _Pull, records: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """One /genes/fetch for records that came without a gene symbol (normally none)."""
    wanted = missing_symbols(records)
    if not wanted:
        return {}
    resp = pull.call(
        "genes", "POST", "/genes/fetch", {"geneIdType": "ENTREZ_GENE_ID"}, [str(e) for e in wanted]
    )
    genes = expect_list(resp)
    pull.validated(resp, lambda: require_fields(resp, genes, ["entrezGeneId", "hugoGeneSymbol"]))
    return {int(g["entrezGeneId"]): str(g["hugoGeneSymbol"]) for g in genes}
