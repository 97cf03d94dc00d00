"""The HER2 audit: every distinct raw value of every mapped HER2 field, its parse and its count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.harmonize.parse import (
    CopyNumberParse,
    IhcParse,
    IshStatusParse,
    IshValueParse,
    parse_copy_number,
    parse_ihc,
    parse_ish_status,
    parse_ish_value,
)
from her2cohort.terms import CATEGORIES

Parser = Callable[[Any], IhcParse | IshStatusParse | IshValueParse | CopyNumberParse]

AUDIT_FIELDS: dict[str, Parser] = {
    "her2_ihc": parse_ihc,
    "her2_ish_status": parse_ish_status,
    "her2_ish_ratio": parse_ish_value,
    "her2_ish_copy_number": parse_copy_number,
    "primary_her2_ihc": parse_ihc,
    "primary_her2_ish_status": parse_ish_status,
    "primary_her2_ish_ratio": parse_ish_value,
    "primary_her2_ish_copy_number": parse_copy_number,
}


def _describe(parse: Any) -> str:
    d = asdict(parse)
    d.pop("parse_status")
    parts = []
    for k, v in d.items():
        if v is None or v is False or (isinstance(v, float) and np.isnan(v)):
            continue
        parts.append(k if v is True else f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}")
    return "; ".join(parts)


STATUS_AUDIT_FIELDS = (
    "her2_status",
    "primary_her2_status",
    "her2_ihc_status",
    "primary_her2_ihc_status",
    "her2_cn_status",
)


def audit(
    clinical: pd.DataFrame,
    columns: dict[str, str],
    samples: pd.DataFrame,
    unmapped: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each distinct raw HER2 value of each mapped field -> parse result -> count (and categories).

    `columns` maps canonical field -> source column id; `samples` is :func:`harmonize_samples`
    output, used to count the categories the value ends in under that rule; `unmapped` is the
    clinical warnings table (field, value) of values missing from the vocabularies.
    """
    missed = set()
    if unmapped is not None and len(unmapped):
        missed = set(zip(unmapped["field"].astype(str), unmapped["value"].astype(str), strict=True))
    rows = []
    for field, parser in AUDIT_FIELDS.items():
        if field not in columns:
            continue
        raw = clinical[field].astype("string").fillna("<NA>")
        cat_col = "primary_her2_category" if field.startswith("primary_") else "her2_category"
        tab = pd.crosstab(raw, samples[cat_col])
        for value, count in raw.value_counts(sort=False).items():
            parse = parser(None if value == "<NA>" else value)
            row = {
                "field": field,
                "column": columns[field],
                "raw_value": value,
                "count": int(count),
                "parse_status": parse.parse_status,
                "parsed": _describe(parse),
            }
            for cat in CATEGORIES:
                row[f"n_{cat}"] = int(tab.loc[value, cat]) if cat in tab.columns else 0
            rows.append(row)
    for field in STATUS_AUDIT_FIELDS:
        if field not in columns:
            continue
        raw = clinical[f"raw_{field}"].astype("string").fillna("<NA>")
        mapped = clinical[field].astype("string").fillna("")
        cat_col = "primary_her2_category" if field.startswith("primary_") else "her2_category"
        tab = pd.crosstab(raw, samples[cat_col])
        pairs = pd.DataFrame({"raw": raw, "mapped": mapped}).value_counts(sort=False)
        for (value, canon), count in pairs.items():
            if value == "<NA>":
                state, canon = "missing", ""
            elif (field, str(value)) in missed:
                state, canon = "unmapped", ""
            else:
                state, canon = "parsed", canon or "unknown"
            row = {
                "field": field,
                "column": columns[field],
                "raw_value": value,
                "count": int(count),
                "parse_status": state,
                "parsed": f"status={canon}"
                if canon
                else ("" if state == "missing" else "not in vocabulary"),
            }
            for cat in CATEGORIES:
                row[f"n_{cat}"] = int(tab.loc[value, cat]) if cat in tab.columns else 0
            rows.append(row)
    cols = ["field", "column", "raw_value", "count", "parse_status", "parsed"] + [
        f"n_{c}" for c in CATEGORIES
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(
        ["field", "count", "raw_value"], ascending=[True, False, True], kind="stable"
    )


def derivation_notes(fields: dict[str, str]) -> list[str]:
    """What the cohort's mapped HER2 fields cannot support, in words for the report."""
    notes = []
    if "her2_ihc" not in fields:
        notes.append(
            "no IHC score of the sequenced sample: ihc_only is unknown for every sample, and "
            "HER2-0 cannot be told from HER2-low (asco_cap_2018 keeps only HER2-positive from "
            "ISH or the clinical HER2 status)"
        )
    if "her2_ihc" in fields and not {"her2_ish_status", "her2_ish_ratio"} & set(fields):
        notes.append("no ISH fields: IHC 2+ samples are unknown under asco_cap_2018")
    if "her2_ish_ratio" in fields and "her2_ish_copy_number" not in fields:
        notes.append(
            "no separate ISH copy-number field: ASCO/CAP 2018 groups come only from values that "
            "carry a copy number ('2 (CN 4.8)'); other ISH results use the reported status"
        )
    if "primary_her2_ihc" not in fields:
        notes.append(
            "no primary-tumour HER2 fields: primary -> metastasis transitions cannot be derived"
        )
    return notes
