"""The on-disk cache of raw API responses, so that an interrupted pull resumes without refetching."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

from her2cohort.io import atomic_path


class CachedBody(NamedTuple):
    """One cache entry as stored.

    Attributes
    ----------
    body : bytes
        The response body exactly as received.
    meta : dict
        What was recorded with it: endpoint, params, status, kept headers, sha256, size.
    """

    body: bytes
    meta: dict[str, Any]


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

    def load(self, key: str) -> CachedBody | None:
        """The entry stored under `key`, or None if it is absent, unreadable or corrupt.

        Returns
        -------
        CachedBody or None
            ``(body, meta)``; None when either file is missing or the body's sha256 does not
            match the one in its metadata.
        """
        body_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text())
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None
        return CachedBody(body, meta)

    def store(self, key: str, body: bytes, meta: dict[str, Any]) -> None:
        body_path, meta_path = self._paths(key)
        with atomic_path(body_path) as tmp:
            tmp.write_bytes(body)
        with atomic_path(meta_path) as tmp:
            tmp.write_text(json.dumps(meta, indent=1, sort_keys=True))

    def discard(self, key: str) -> None:
        for path in self._paths(key):
            path.unlink(missing_ok=True)
