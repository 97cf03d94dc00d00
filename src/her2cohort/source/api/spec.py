"""Requests and responses as values: the normalised request, its cache key, the parsed answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from her2cohort.errors import SourceError


class ApiError(SourceError):
    """A cBioPortal request failed or returned unusable data; the message is one line."""

    def __init__(self, endpoint: str, problem: str, status: int | None = None) -> None:
        self.endpoint = endpoint
        self.status = status
        super().__init__(one_line(f"{endpoint}: {problem}"))


def one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


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


def decode_body(content: bytes, spec: RequestSpec) -> Any:
    """Parse a JSON body; META responses have none. Raises ValueError on bad JSON."""
    if spec.is_meta and not content.strip():
        return None
    return json.loads(content.decode("utf-8"))


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
