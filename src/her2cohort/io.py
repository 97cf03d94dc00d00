"""File helpers: line-ending-agnostic reading of cBioPortal text files and atomic writes."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from her2cohort.errors import DataError

_UMASK = os.umask(0)
os.umask(_UMASK)


def read_normalized_bytes(path: str | Path) -> bytes:
    """Return the file's bytes with a UTF-8 BOM removed and CRLF / CR line endings turned into LF."""
    data = Path(path).read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def split_comment_header(data: bytes) -> tuple[list[str], bytes]:
    """Split leading '#' lines (cBioPortal's attribute metadata rows) from the table body."""
    comments: list[str] = []
    pos = 0
    while data.startswith(b"#", pos):
        end = data.find(b"\n", pos)
        if end == -1:
            end = len(data)
        comments.append(data[pos + 1 : end].decode("utf-8", errors="replace"))
        pos = end + 1
    return comments, data[pos:]


def header_columns(body: bytes, path: str | Path) -> list[str]:
    """The stripped column names of a table body's first line; a repeated name is an error."""
    end = body.find(b"\n")
    line = body[: end if end >= 0 else len(body)].decode("utf-8", errors="replace")
    columns = [c.strip() for c in line.split("\t")]
    dup = sorted(c for c, n in Counter(columns).items() if n > 1)
    if dup:
        raise DataError(f"{path}: duplicated column(s) {', '.join(dup)}")
    return columns


#: bytes scanned at once when counting fields (bounds the scan's memory, not its result)
_SCAN_CHUNK = 1 << 24


def _line_ends_and_tabs(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """End position of every line and the running count of tabs at each end, chunk by chunk
    (the running count never needs one int64 per byte of the whole file)."""
    ends, tabs_at = [], []
    offset = 0
    for start in range(0, len(arr), _SCAN_CHUNK):
        chunk = arr[start : start + _SCAN_CHUNK]
        running = np.cumsum(chunk == 9, dtype=np.int64) + offset
        nl = np.flatnonzero(chunk == 10)
        ends.append(nl + start)
        tabs_at.append(running[nl])
        offset = int(running[-1])
    if len(arr) and arr[-1] != 10:
        ends.append(np.array([len(arr)]))
        tabs_at.append(np.array([offset]))
    if not ends:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(ends), np.concatenate(tabs_at)


def check_field_counts(body: bytes, path: str | Path, first_line: int = 1) -> None:
    """Every non-empty line of a table body has as many tab-separated fields as its header.

    A truncated or damaged record (a cut last line, a lost or extra tab) is an error naming the
    file and line (``first_line`` is the file line of the body's header). Vectorised (numpy over
    the bytes, in chunks), no loop over lines.
    """
    arr = np.frombuffer(body, dtype=np.uint8)
    ends, tabs_at = _line_ends_and_tabs(arr)
    if not len(ends):
        return
    counts = np.diff(np.concatenate([[0], tabs_at]))
    starts = np.concatenate([[0], ends[:-1] + 1])
    bad = np.flatnonzero((counts != counts[0]) & (ends > starts))
    if len(bad):
        i = int(bad[0])
        raise DataError(
            f"{path}:{first_line + i}: {int(counts[i]) + 1} tab-separated fields where the header "
            f"has {int(counts[0]) + 1} (a truncated or damaged line; {len(bad)} such line(s))"
        )


def read_tsv_strings(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a tab-separated cBioPortal table as strings (no quoting, '#' header rows split off).

    Returns the frame (empty cells as <NA>) and the '#' header lines.
    """
    data = read_normalized_bytes(path)
    comments, body = split_comment_header(data)
    if not body.strip():
        raise DataError(f"{path}: no header row after the '#' metadata rows")
    columns = header_columns(body, path)
    check_field_counts(body, path, len(comments) + 1)
    if b"\n\n" in body:  # blank lines are no records
        body = re.sub(rb"\n{2,}", b"\n", body)
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            separator="\t",
            infer_schema=False,
            quote_char=None,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as exc:  # pragma: no cover - message depends on polars
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"{path}: cannot parse as a tab-separated table: {first}") from exc
    frame.columns = columns
    frame = frame.with_columns(pl.all().str.strip_chars())
    frame = frame.with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep())
    pdf = frame.to_pandas(use_pyarrow_extension_array=False).astype("string")
    return pdf, comments


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it into place only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp creates 0600; results are meant to be shared
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def copy_file(src: str | Path, dest: str | Path) -> None:
    """Copy a file atomically (temp file beside the target, then rename)."""
    import shutil

    with atomic_path(dest) as tmp:
        shutil.copyfile(src, tmp)


def write_tsv(frame: pd.DataFrame, path: str | Path, float_format: str | None = None) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False, na_rep="NA", float_format=float_format)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def write_json(obj: Any, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def write_text(text: str, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def read_tsv(path: str | Path) -> pd.DataFrame:
    """Read a TSV written by this package (NA as missing)."""
    return pd.read_csv(
        path, sep="\t", na_values=["NA"], keep_default_na=False, float_precision="round_trip"
    )
