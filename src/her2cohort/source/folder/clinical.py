"""Clinical sample and patient files: the table and the attribute metadata of its '#' rows."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from her2cohort.errors import DataError
from her2cohort.io import read_tsv_strings
from her2cohort.source.tables import ATTRIBUTE_COLUMNS


class ClinicalFile(NamedTuple):
    """One clinical file as read.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per sample (or patient), one string column per attribute, as in the file.
    attributes : pandas.DataFrame
        One row per column (``ATTRIBUTE_COLUMNS``) from the four '#' header rows.
    """

    table: pd.DataFrame
    attributes: pd.DataFrame


def _header_line(comments: list[str]) -> int:
    return len(comments) + 1


def read_clinical(path: Path, level: str) -> ClinicalFile:
    """Read a clinical sample or patient file.

    Parameters
    ----------
    path : Path
        ``data_clinical_sample.txt`` or ``data_clinical_patient.txt`` (any line endings).
    level : {"sample", "patient"}
        Which of the two it is: SAMPLE_ID (and PATIENT_ID) or PATIENT_ID is its key.

    Returns
    -------
    ClinicalFile
        ``(table, attributes)``.

    Raises
    ------
    DataError
        The file has no rows, or a key column is missing, empty on some line, or not unique.
    """
    frame, comments = read_tsv_strings(path)
    key = "SAMPLE_ID" if level == "sample" else "PATIENT_ID"
    required = ["SAMPLE_ID", "PATIENT_ID"] if level == "sample" else ["PATIENT_ID"]
    for col in required:
        if col not in frame.columns:
            raise DataError(f"{path}: no {col} column (columns: {', '.join(frame.columns[:8])}...)")
    header = _header_line(comments)
    if frame.empty:
        raise DataError(f"{path}: no {level} rows (a header and nothing else)")
    missing_key = frame[key].isna()
    if missing_key.any():
        lines = (frame.index[missing_key] + header + 1).tolist()[:5]
        raise DataError(f"{path}: empty {key} on line(s) {', '.join(map(str, lines))}")
    dup = frame[key].duplicated(keep=False)
    if dup.any():
        ids = sorted(frame.loc[dup, key].unique())
        lines = (frame.index[dup] + header + 1).tolist()[:6]
        raise DataError(
            f"{path}: duplicated {key} {', '.join(ids[:5])}"
            f"{' ...' if len(ids) > 5 else ''} (lines {', '.join(map(str, lines))})"
        )
    attrs = _attribute_rows(frame.columns.tolist(), comments, level)
    return ClinicalFile(frame.reset_index(drop=True), attrs)


def _attribute_rows(columns: list[str], comments: list[str], level: str) -> pd.DataFrame:
    rows = []
    parts = [c.split("\t") for c in comments[:4]]
    names = ["display_name", "description", "datatype", "priority"]
    for i, col in enumerate(columns):
        row: dict[str, str | None] = {"attribute_id": col, "level": level}
        for j, name in enumerate(names):
            row[name] = parts[j][i] if j < len(parts) and i < len(parts[j]) else None
        rows.append(row)
    out = pd.DataFrame(rows, columns=ATTRIBUTE_COLUMNS)
    return out
