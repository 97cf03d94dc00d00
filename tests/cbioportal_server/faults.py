"""Fault injection and the server's request log (:class:`Fault`, :class:`ServerState`)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("500", "503", "429", "slow", "truncated", "short_page", "duplicate_row")
#: kinds that alter a list answer (counted when they do, not when the request matches)
BODY_KINDS = ("short_page", "duplicate_row")


@dataclass
class Fault:
    """Misbehave for the first `times` requests whose path matches `path` (a regex; None: always).

    kind: "500" | "503" | "429" | "slow" | "truncated" | "short_page" (the last `drop` rows of a
    list answer are missing) | "duplicate_row" (the last row of a list answer is replaced by a
    copy of the first: same length, one row twice and one missing).
    """

    path: str
    kind: str
    times: int | None = 1
    method: str | None = None
    retry_after: str = "1"
    delay: float = 1.5
    drop: int = 1
    skip_meta: bool = True
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        if self.method and self.method != method:
            return False
        if self.skip_meta and query.get("projection") == ["META"]:
            return False
        return re.search(self.path, path) is not None and (
            self.times is None or self.hits < self.times
        )


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class ServerState:
    require_token: str | None = None
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        with self.lock:
            return len(self.requests)

    def count(self, pattern: str = "", method: str | None = None) -> int:
        """Requests whose 'METHOD /path' key matches the regex `pattern`."""
        with self.lock:
            return sum(
                n
                for key, n in self.counts.items()
                if re.search(pattern, key) and (method is None or key.startswith(method + " "))
            )

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def record(self, req: RecordedRequest) -> Fault | None:
        with self.lock:
            self.requests.append(req)
            self.counts[f"{req.method} {req.path}"] += 1
            for fault in self.faults:
                if fault.matches(req.method, req.path, req.query):
                    if fault.kind not in BODY_KINDS:
                        fault.hits += 1
                    return fault
        return None
