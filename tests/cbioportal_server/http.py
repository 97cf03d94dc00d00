"""The portal's HTTP conventions: requests, replies, errors, paging and projections."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_PAGE_SIZE = 10_000_000
PROJECTIONS = ("ID", "SUMMARY", "DETAILED", "META")
ID_FIELDS = {
    "uniqueSampleKey",
    "uniquePatientKey",
    "molecularProfileId",
    "sampleId",
    "patientId",
    "entrezGeneId",
    "studyId",
    "clinicalAttributeId",
    "sampleListId",
    "genePanelId",
}


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_body: bytes
    groups: tuple[str, ...] = ()

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.raw_body.decode("utf-8") or "null")
        except ValueError as exc:
            raise HttpError(
                400, "There is an error in the JSON format of the request payload"
            ) from exc

    def projection(self, default: str = "SUMMARY") -> str:
        value = self.param("projection", default) or default
        if value not in PROJECTIONS:
            raise HttpError(400, f"Request parameter type mismatch: projection={value}")
        return value

    def int_param(self, name: str, default: int, minimum: int = 0) -> int:
        raw = self.param(name)
        if raw is None:
            return default
        if not re.fullmatch(r"-?\d+", raw):
            raise HttpError(400, f"Request parameter type mismatch: {name}={raw}")
        value = int(raw)
        if value < minimum:
            raise HttpError(400, f"{name} must be greater than or equal to {minimum}")
        return value


def listing(req: Request, items: list[dict[str, Any]], one_based: bool = False) -> Reply:
    """Apply projection=META and paging (0-based unless `one_based`)."""
    projection = req.projection()
    size = req.int_param("pageSize", MAX_PAGE_SIZE, minimum=1)
    number = req.int_param("pageNumber", 0)
    if projection == "META":
        return Reply(200, None, {"total-count": str(len(items))}, raw=b"")
    if one_based:
        number = max(number, 1) - 1
    page = items[size * number : size * (number + 1)]
    if projection == "ID":
        page = [{k: v for k, v in rec.items() if k in ID_FIELDS} for rec in page]
    return Reply(200, page)


def meta_or(req: Request, items: list[dict[str, Any]]) -> Reply:
    """Endpoints without paging: projection META -> total-count only."""
    if req.projection() == "META":
        return Reply(200, None, {"total-count": str(len(items))}, raw=b"")
    return Reply(200, items)
