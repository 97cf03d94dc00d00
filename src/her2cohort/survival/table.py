"""The analysis table: one row per analysed patient, and the count of every exclusion.

:func:`build_analysis_table` turns the clinical table (one row per sample), the HER2 categories
and the alteration matrix into ``patient_id, group, time, event, entry, [cause,] <covariates>``
(``cause`` for the disease-specific endpoint: 0 alive, 1 death of the disease -- the ``event`` --,
2 death of other causes). Exclusions are sequential (a patient is counted at the first check it
fails) and every one is reported, together with data problems that exclude nobody (negative entries
clipped to 0, OS of 0, values differing between a patient's samples, late entries dropped from
truncated fits, alteration events the study did not profile): nothing is dropped silently.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from her2cohort import terms
from her2cohort.errors import DataError
from her2cohort.io import read_tsv
from her2cohort.survival.groups import (
    alteration_caveat,
    cause_codes,
    cause_conflicts,
    patient_alteration,
)
from her2cohort.survival.settings import HER2_WHERE, Analysis, Settings

#: columns of the exclusions / warnings table
WARNING_COLUMNS = ["analysis", "step", "check", "count", "action"]


class PatientValues(NamedTuple):
    """One value per patient (index ``patient_id``) and how many patients' samples disagreed."""

    values: pd.Series
    n_conflicts: int


class AnalysisTable(NamedTuple):
    """An analysis table and its exclusion / data-problem counts (:data:`WARNING_COLUMNS`)."""

    data: pd.DataFrame
    exclusions: pd.DataFrame


def read_table(path: Any) -> pd.DataFrame:
    """Read a TSV written by the pipeline (NA as missing) with exact float parsing.

    pandas' default C parser can be off by an ulp on 17-significant-digit numbers (R's output);
    ``round_trip`` parses every number exactly as written (:func:`her2cohort.io.read_tsv`).
    """
    return read_tsv(path)


def as_written(data: pd.DataFrame) -> pd.DataFrame:
    """The table as a reader of its TSV sees it (written in full precision, read back exactly).

    Fits use this, so that anyone refitting ``data.tsv`` elsewhere (e.g. in R) gets the same
    numbers: the column types are the file's, not the ones the table was built with.
    """
    buf = io.StringIO()
    data.to_csv(buf, sep="\t", index=False, na_rep="NA")
    buf.seek(0)  # read back as her2cohort.io.read_tsv reads the file
    return pd.read_csv(
        buf, sep="\t", na_values=["NA"], keep_default_na=False, float_precision="round_trip"
    )


def _warn(analysis: str, step: str, check: str, count: int, action: str) -> dict[str, Any]:
    return {
        "analysis": analysis,
        "step": step,
        "check": check,
        "count": int(count),
        "action": action,
    }


def highest_category(categories: Iterable[Any]) -> str:
    """A patient's HER2 category over their samples: the highest known; unknown if none known."""
    known = [c for c in categories if c in terms.KNOWN_CATEGORIES]
    if not known:
        return terms.UNKNOWN
    return str(max(known, key=terms.KNOWN_CATEGORIES.index))


def patient_her2(categories: pd.DataFrame, rule: str, zero_one: str, tissue: str) -> pd.Series:
    """Per-patient HER2 category (index ``patient_id``) from the long categories table.

    Raises
    ------
    DataError
        The table has no rows for this rule set, 0-1+ assignment and tissue.
    """
    sub = categories[
        (categories["rule"] == rule)
        & (categories["zero_one_plus"] == zero_one)
        & (categories["tissue"] == tissue)
    ]
    if sub.empty:
        raise DataError(
            f"HER2 categories: no rows for rule={rule}, 0-1+={zero_one}, tissue={tissue}"
        )
    # highest_category per patient, vectorised: ordinal codes (-1 unknown), max per patient
    known = list(terms.KNOWN_CATEGORIES)
    code = pd.Categorical(sub["her2_category"], categories=known).codes
    best = pd.Series(code, index=sub.index).groupby(sub["patient_id"].astype(str)).max()
    labels = np.array([*known, terms.UNKNOWN], dtype=object)  # code -1 -> the last: unknown
    return pd.Series(labels[best.to_numpy()], index=best.index, name="her2_category")


def patient_values(clinical: pd.DataFrame, column: str) -> PatientValues:
    """One value of ``column`` per patient; patients whose samples disagree get <NA>."""
    vals = clinical[["patient_id", column]].dropna()
    vals = vals.assign(patient_id=vals["patient_id"].astype(str))
    nun = vals.groupby("patient_id")[column].nunique()
    first = vals.groupby("patient_id")[column].first()
    conflict = nun[nun > 1].index
    first = first.astype(object)
    first.loc[conflict] = pd.NA
    return PatientValues(first, len(conflict))


def entry_times(clinical: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Per patient: ``entry_raw`` (min over samples of sequencing - diagnosis time, rounded to
    ``decimals``) and ``entry`` (the same clipped at 0)."""
    d = clinical[["patient_id", "diagnosis_time", "sequencing_time"]].copy()
    d["patient_id"] = d["patient_id"].astype(str)
    d["raw"] = pd.to_numeric(d["sequencing_time"], errors="coerce") - pd.to_numeric(
        d["diagnosis_time"], errors="coerce"
    )
    raw = d.groupby("patient_id")["raw"].min().round(decimals)
    return pd.DataFrame({"entry_raw": raw, "entry": raw.clip(lower=0.0)})


def _her2(categories: pd.DataFrame | None, analysis: Analysis) -> pd.Series:
    """The analysis' per-patient HER2 category (its group's, or its HER2 restriction's)."""
    if categories is None:
        raise DataError(f"survival analysis {analysis.name}: needs the HER2 categories table")
    assert analysis.her2_rule and analysis.her2_zero_one
    return patient_her2(
        categories, analysis.her2_rule, analysis.her2_zero_one, analysis.her2_tissue
    )


def build_analysis_table(
    clinical: pd.DataFrame,
    categories: pd.DataFrame | None,
    analysis: Analysis,
    settings: Settings,
    matrix: pd.DataFrame | None = None,
    alteration_summary: pd.DataFrame | None = None,
) -> AnalysisTable:
    """One row per analysed patient: patient_id, group, time, event, entry, [cause,] covariates.

    Parameters
    ----------
    clinical
        The clinical table (one row per sample; ``os_months``, ``os_event``, ``vital_status`` for
        the ``dss`` endpoint, covariates, and ``diagnosis_time`` / ``sequencing_time`` for left
        truncation).
    categories
        The long HER2 categories table (needed by analyses that read HER2 only).
    analysis, settings
        What to build.
    matrix, alteration_summary
        The alteration matrix and ``alterations/summary.tsv`` (alteration groups only; the
        summary, if given, adds a row for events the study did not profile).

    Returns
    -------
    AnalysisTable
        The table and its exclusion / data-problem counts (sequential attrition).
    """
    a = analysis.name
    rows: list[dict[str, Any]] = []
    pts = pd.Index(sorted(clinical["patient_id"].dropna().astype(str).unique()), name="patient_id")
    rows.append(_warn(a, "population", "patients in cohort", len(pts), "start"))
    frame = pd.DataFrame(index=pts)

    def conflicts(step: str, col: str, n: int) -> None:
        if n:
            rows.append(
                _warn(a, step, f"{col} differs between a patient's samples", n, "set to missing")
            )

    for col in ("os_months", "os_event"):
        vals, nconf = patient_values(clinical, col)
        frame[col] = pd.to_numeric(vals.reindex(pts), errors="coerce")
        conflicts("outcome", col, nconf)
    frame = frame.rename(columns={"os_months": "time", "os_event": "event"})

    def drop(mask: pd.Series, step: str, check: str, action: str = "excluded") -> None:
        nonlocal frame
        mask = mask.reindex(frame.index).fillna(False).astype(bool)
        rows.append(_warn(a, step, check, int(mask.sum()), action))
        frame = frame[~mask]

    drop(frame["time"].isna() | frame["event"].isna(), "outcome", "missing OS time or status")
    drop(frame["time"] < 0, "outcome", "negative OS time")
    drop(~frame["event"].isin([0, 1]), "outcome", "OS status not 0/1")
    zero_action = "kept (at risk at time 0 only)"
    if settings.left_truncation:
        zero_action += "; a late entry, dropped from truncated fits"
    rows.append(_warn(a, "outcome", "OS time of 0", int((frame["time"] == 0).sum()), zero_action))
    if analysis.endpoint == "dss":
        vals, nconf = patient_values(clinical, "vital_status")
        conflicts("outcome", "vital_status", nconf)
        frame["cause"] = cause_codes(vals.reindex(frame.index))
        drop(frame["cause"].isna(), "outcome", "missing or unknown vital status (cause of death)")
        drop(
            cause_conflicts(frame["cause"], frame["event"]),
            "outcome",
            "vital status disagrees with OS status",
        )
        frame["event"] = (frame["cause"] == 1).astype(int)

    # exposure group
    if analysis.group_source == "her2":
        frame["group"] = _her2(categories, analysis).reindex(frame.index).astype(object)
        drop(
            frame["group"].isna() | (frame["group"] == terms.UNKNOWN),
            "group",
            "HER2 category unknown",
        )
    elif analysis.alteration is not None:
        if matrix is None:
            raise DataError(f"survival analysis {a}: needs the alteration matrix")
        alt = analysis.alteration
        frame["group"] = patient_alteration(matrix, alt).reindex(frame.index).astype(object)
        drop(
            frame["group"].isna(), "group", f"{alt} never profiled (no sequenced sample covers it)"
        )
    else:
        col = analysis.group_source
        vals, nconf = patient_values(clinical, col)
        conflicts("group", col, nconf)
        frame["group"] = vals.reindex(frame.index).astype(object)
        drop(frame["group"].isna(), "group", f"missing {col}")
    outside = frame.loc[~frame["group"].isin(analysis.levels), "group"]
    for value, n in outside.value_counts().sort_index().items():
        rows.append(_warn(a, "group", f"group {value} not in the analysis levels", n, "excluded"))
    frame = frame[frame["group"].isin(analysis.levels)]

    # restrictions and covariates
    needed = list(dict.fromkeys([*analysis.where, *analysis.categorical, *analysis.numeric]))
    for col in needed:
        if col == HER2_WHERE:  # a restriction to HER2 categories, not a clinical column
            frame[col] = _her2(categories, analysis).reindex(frame.index)
            continue
        vals, nconf = patient_values(clinical, col)
        conflicts("covariate", col, nconf)
        frame[col] = vals.reindex(frame.index)
    for col, allowed in analysis.where.items():
        drop(
            ~frame[col].astype("string").isin(allowed).fillna(False),
            "restriction",
            f"{col} not in {{{', '.join(allowed)}}}",
            "outside the analysis population",
        )
    for col in analysis.numeric:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
        drop(frame[col].isna(), "covariate", f"missing {col}")
    for col, levels in analysis.categorical.items():
        drop(frame[col].isna(), "covariate", f"missing {col}")
        drop(
            ~frame[col].astype("string").isin(levels).fillna(False),
            "covariate",
            f"{col} not in {{{', '.join(levels)}}}",
        )

    # entry (delayed entry at first sequencing)
    if settings.left_truncation:
        ent = entry_times(clinical, settings.time_decimals).reindex(frame.index)
        frame["entry"] = ent["entry"]
        late = frame["entry"].notna() & (frame["entry"] >= frame["time"])
        for check, n, action in [
            (
                "missing entry (no diagnosis or sequencing time)",
                frame["entry"].isna().sum(),
                "dropped from truncated fits",
            ),
            (
                "negative entry (sequenced before diagnosis)",
                (ent["entry_raw"] < 0).sum(),
                "clipped to 0",
            ),
            (
                "late entry (entry not before last follow-up)",
                late.sum(),
                "dropped from truncated fits",
            ),
        ]:
            rows.append(_warn(a, "entry", check, int(n), action))
    else:
        frame["entry"] = np.nan
    caveat = alteration_caveat(alteration_summary, analysis.alteration or "")
    if caveat:  # counted over the patients analysed
        action = "kept: a wild-type patient may carry the unprofiled event"
        rows.append(_warn(a, "group", caveat, len(frame), action))
    frame["event"] = frame["event"].astype(int)
    n_events = int(frame["event"].sum())
    analysed = f"kept ({n_events} deaths)"
    if analysis.endpoint == "dss":
        n_other = int((frame["cause"] == 2).sum())
        analysed = f"analysed ({n_events} deaths of the disease, {n_other} of other causes)"
    rows.append(_warn(a, "population", "patients analysed", len(frame), analysed))
    for lev in analysis.levels:
        n = int((frame["group"] == lev).sum())
        rows.append(_warn(a, "population", f"group {lev}", n, "analysed"))
    out = frame.reset_index()
    cause = ["cause"] if analysis.endpoint == "dss" else []
    out = out[["patient_id", "group", "time", "event", "entry", *cause, *analysis.covariates]]
    if cause:
        out = out.astype({"cause": int})
    return AnalysisTable(out, pd.DataFrame(rows, columns=WARNING_COLUMNS))


def fit_population(data: pd.DataFrame, truncation: str) -> pd.DataFrame:
    """The rows a fit uses: all for naive fits (``none``); for left-truncated ones (``left``)
    those whose entry is known and before their last follow-up."""
    if truncation == "none":
        return data
    keep = data["entry"].notna() & (data["entry"] < data["time"])
    return data[keep]
