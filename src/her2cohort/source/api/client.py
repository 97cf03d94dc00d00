"""A small retrying, caching JSON client for one cBioPortal instance (the transport of a pull)."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, NamedTuple

import requests

from her2cohort.source.api.cache import ResponseCache
from her2cohort.source.api.spec import (
    ApiError,
    ApiResponse,
    RequestSpec,
    cache_key,
    decode_body,
    make_spec,
    one_line,
    redact_url,
)

#: one logger for the whole API source (its name predates the split into modules)
log = logging.getLogger("her2cohort.source.api")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: where a pull takes the Data Access Token from when none is passed
TOKEN_ENV = "CBIOPORTAL_TOKEN"
DEFAULT_TIMEOUT = (10.0, 300.0)
USER_AGENT = "her2cohort (python-requests; cBioPortal study pull)"
KEPT_HEADERS = ("total-count", "sample-count", "x-total-count", "content-type")


class Answer(NamedTuple):
    """A successful HTTP exchange, before it becomes an :class:`ApiResponse`.

    Attributes
    ----------
    status : int
        HTTP status (below 400).
    content : bytes
        The body as received.
    data : Any
        The parsed JSON (None for a META response without a body).
    headers : dict of str to str
        The response headers in ``KEPT_HEADERS``.
    """

    status: int
    content: bytes
    data: Any
    headers: dict[str, str]


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
        cached = self._from_cache(spec, key)
        if cached is not None:
            return cached
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

    def _from_cache(self, spec: RequestSpec, key: str) -> ApiResponse | None:
        """The cached response under `key`; an entry whose body is not valid JSON is dropped."""
        hit = self.cache.load(key) if self.cache else None
        if hit is None or self.cache is None:
            return None
        content, meta = hit
        try:
            data = decode_body(content, spec)
        except ValueError:
            self.cache.discard(key)
            return None
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

    def forget(self, response: ApiResponse) -> None:
        """Drop a response from the cache (it failed validation)."""
        if self.cache:
            self.cache.discard(response.key)

    def _send(self, spec: RequestSpec) -> Answer:
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
                    if status == 401 and not message:  # the portal's token filter: no body
                        message = (
                            " (the Data Access Token was refused: wrong or expired?)"
                            if self._token
                            else f" (this portal needs a Data Access Token: set {TOKEN_ENV})"
                        )
                    raise ApiError(spec.endpoint, status_text + message, status)
                else:
                    try:
                        data = decode_body(content, spec)
                    except ValueError as exc:
                        problem = f"{status_text} with invalid JSON ({one_line(str(exc), 120)})"
                    else:
                        headers = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
                        return Answer(status, content, data, headers)
            if attempt == self.max_attempts:
                raise ApiError(
                    spec.endpoint, f"{problem}; gave up after {attempt} attempts", status
                )
            self._wait(spec, problem, attempt, retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(
        self, spec: RequestSpec, problem: str, attempt: int, retry_after: float | None
    ) -> None:
        """Log the failed attempt and sleep: Retry-After (capped) if sent, else backoff."""
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
