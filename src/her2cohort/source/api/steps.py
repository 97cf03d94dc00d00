"""One pull's request log: every call is numbered, reported, and recorded as a manifest input."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple, NoReturn

from her2cohort.source.api.client import CBioPortalClient
from her2cohort.source.api.spec import ApiError, ApiResponse
from her2cohort.source.api.validate import expect_list, require_fields


class Records(NamedTuple):
    """A list endpoint's answer and its rows.

    Attributes
    ----------
    resp : ApiResponse
        The response the rows came in (to drop from the cache if a later check fails).
    rows : list of dict
        The JSON array of objects it held.
    """

    resp: ApiResponse
    rows: list[dict[str, Any]]


@dataclass
class Pull:
    """The requests of one study pull, made through `client` and logged through `report`."""

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

    def records(
        self,
        what: str,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        *,
        fields: Sequence[str],
    ) -> Records:
        """One call answered by a JSON array of objects, each of which has all `fields`."""
        resp = self.call(what, method, path, params, body)
        rows = expect_list(resp)
        self.validated(resp, partial(require_fields, resp, rows, fields))
        return Records(resp, rows)

    def one_page(
        self,
        what: str,
        method: str,
        path: str,
        params: Mapping[str, Any],
        body: Any = None,
    ) -> Records:
        """Page 0 of a paged endpoint, `page_size` rows long (default: the portal's maximum).

        Paged queries are not in a stable order on a real portal (see the package docstring),
        so a pull never asks for page 1: an answer shorter than the page size is the whole
        result (the portal validates ``pageSize <= 10,000,000`` and honours it), and a full page
        makes the caller split the query instead (:meth:`fits`).
        """
        resp = self.call(
            what, method, path, {**params, "pageSize": self.page_size, "pageNumber": 0}, body
        )
        return Records(resp, expect_list(resp))

    def fits(self, rows: Sequence[Any]) -> bool:
        """Whether an answer of `rows` from :meth:`one_page` is provably the whole result."""
        return len(rows) < self.page_size

    def validated_all(self, responses: Sequence[ApiResponse], check: Callable[[], None]) -> None:
        """Like :meth:`validated` for a check over several responses: on failure drop them all."""
        try:
            check()
        except ApiError:
            for resp in responses:
                self.client.forget(resp)
            raise

    def meta_count(
        self, what: str, method: str, path: str, params: Mapping[str, Any], body: Any
    ) -> int | None:
        resp = self.call(what + " (count)", method, path, {**params, "projection": "META"}, body)
        total = resp.total_count
        if total is None:
            self.reject(resp, "projection=META without a total-count header")
        return total

    def reject(self, resp: ApiResponse, problem: str) -> NoReturn:
        """Drop `resp` from the cache and raise :class:`ApiError` (``HTTP <status>: problem``)."""
        self.client.forget(resp)
        raise ApiError(resp.endpoint, f"HTTP {resp.status}: {problem}", resp.status)
