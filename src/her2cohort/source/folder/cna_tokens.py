"""The cells of a discrete CNA matrix (genes x samples) without a column object per sample.

A GENIE-size matrix has 200,000 sample columns: CSV readers that build one column object per
sample need 3 GB and more for it (polars 3.3 GB, pyarrow 1.5 GB before any conversion). Here the
text is tokenised with numpy instead, a block of lines at a time: the tab and newline positions
give every field's start and length, each short field's bytes are packed into one 64-bit key,
and the keys are looked up among the handful of tokens a discrete CNA file holds ("0", "2",
"-1.5", "NA", ...). Only the cells that are not 0 or NA leave a block, as (row, column, value).
Any other token is reported with its gene and column, never guessed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

#: raw tokens that are no call
NA_TOKENS = ("NA", "", "NaN", "nan")
#: lines are tokenised this many bytes at a time (bounds memory, not the result)
BLOCK_BYTES = 1 << 23


class CnaCells(NamedTuple):
    """Non-zero, non-NA cells (row = gene line, col = value column), and the first bad token."""

    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    id_fields: list[list[str]]  # per line: the fields before the first value column
    bad: tuple[int, int, str] | None  # (row, col, token) of the first token that is no number
    n_bad: int


def _keys(arr: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Each field's bytes (the first 8) packed little-endian into a uint64."""
    key = np.zeros(len(start), dtype=np.uint64)
    last = len(arr) - 1
    for k in range(8):
        byte = arr[np.minimum(start + k, last)].astype(np.uint64)
        key |= np.where(length > k, byte, 0) << np.uint64(8 * k)
    return key


def _pack(token: str) -> int:
    return int.from_bytes(token.encode()[:8].ljust(8, b"\0"), "little")


def _token_values(tokens: list[str]) -> dict[str, float]:
    """The value of each distinct token (NaN: no call; absent: not a number)."""
    out = {}
    for tok in tokens:
        text = tok.strip()
        if text in NA_TOKENS:
            out[tok] = float("nan")
            continue
        try:
            out[tok] = float(text)
        except ValueError:
            continue
    return out


def parse_cells(body: bytes, first_value: int, n_fields: int) -> CnaCells:
    """Tokenise the data lines of a CNA matrix (``body``: the bytes after the header line).

    ``first_value`` is the index of the first value column (the id columns come first, as in
    cBioPortal's format); every line has ``n_fields`` fields (checked before).
    """
    arr_all = np.frombuffer(body, dtype=np.uint8)
    line_ends = np.flatnonzero(arr_all == 10)
    if len(arr_all) and arr_all[-1] != 10:
        line_ends = np.append(line_ends, len(arr_all))
    rows, cols, vals, ids = [], [], [], []
    bad: tuple[int, int, str] | None = None
    n_bad, line0, pos = 0, 0, 0
    while line0 < len(line_ends):
        # the lines of one block (at least one line)
        stop = int(np.searchsorted(line_ends, pos + BLOCK_BYTES, "right"))
        stop = max(stop, line0 + 1)
        end = int(line_ends[stop - 1])
        block = arr_all[pos:end]
        seps = np.flatnonzero((block == 9) | (block == 10))
        ends_nl = np.append(block[seps] == 10, True)  # the block ends at a line end
        seps = np.append(seps, len(block))
        starts = np.concatenate([[0], seps[:-1] + 1])
        lengths = seps - starts
        after_nl = np.concatenate([[True], ends_nl[:-1]])
        blank = (lengths == 0) & after_nl & ends_nl  # a blank line: no record
        starts, lengths = starts[~blank], lengths[~blank]
        n_lines = len(starts) // n_fields
        starts = starts.reshape(n_lines, n_fields)
        lengths = lengths.reshape(n_lines, n_fields)
        for st, ln in zip(starts[:, :first_value], lengths[:, :first_value], strict=True):
            fields = zip(st.tolist(), ln.tolist(), strict=True)
            ids.append(
                [bytes(block[a : a + b]).decode("utf-8", "replace").strip() for a, b in fields]
            )
        vs, vl = starts[:, first_value:].ravel(), lengths[:, first_value:].ravel()
        keys = _keys(block, vs, vl)
        inverse, distinct = pd.factorize(keys)  # hashing: a handful of distinct tokens
        first = pd.Series(np.arange(len(inverse))).groupby(inverse).first().to_numpy()
        tokens = [
            bytes(block[vs[i] : vs[i] + vl[i]]).decode("utf-8", "replace") for i in first.tolist()
        ]
        known = _token_values(tokens)
        long = vl > 8  # tokens longer than a key: decode them one by one (rare)
        table = np.array([known.get(t, np.inf) for t in tokens], dtype=np.float64)
        values = table[inverse]
        if long.any():
            for i in np.flatnonzero(long).tolist():
                tok = bytes(block[vs[i] : vs[i] + vl[i]]).decode("utf-8", "replace")
                values[i] = _token_values([tok]).get(tok, np.inf)
        not_number = np.isinf(values)
        if not_number.any():
            n_bad += int(not_number.sum())
            if bad is None:
                i = int(np.argmax(not_number))
                tok = bytes(block[vs[i] : vs[i] + vl[i]]).decode("utf-8", "replace")
                bad = (line0 + i // (n_fields - first_value), i % (n_fields - first_value), tok)
        call = ~np.isnan(values) & (values != 0) & ~not_number
        idx = np.flatnonzero(call)
        width = n_fields - first_value
        rows.append(line0 + idx // width)
        cols.append(idx % width)
        vals.append(values[idx])
        line0 += n_lines
        pos = end + 1

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    return CnaCells(
        cat(rows, np.int64), cat(cols, np.int64), cat(vals, np.float64), ids, bad, n_bad
    )
