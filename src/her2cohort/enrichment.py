"""HER2-low enrichment per alteration: the published counts, then the statistics it did not run.

For each alteration: counts of HER2 categories among altered samples, the share HER2-low with a
Wilson CI, the same share among unaltered profiled samples (the cohort's own baseline), the odds
ratio of HER2-low vs HER2-0 (HER2-positive excluded) for altered vs unaltered with the exact
conditional CI and Fisher's p, Benjamini-Hochberg q across the table, and a Mantel-Haenszel odds
ratio stratified by HR status (HER2-low tracks ER positivity).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from her2cohort.alterations import EVENT_PROFILE, availability_from_summary
from her2cohort.exact import conditional_odds_ratio
from her2cohort.published import published_comparison
from her2cohort.terms import KNOWN_CATEGORIES

LEAD_COLUMNS = [
    "alteration",
    "mechanism",
    "genes",
    "n_altered",
    "n_evaluable",
    "n_her2_0",
    "n_her2_low",
    "n_her2_positive",
    "pct_her2_low",
]
STAT_COLUMNS = [
    "pct_her2_low_ci_low",
    "pct_her2_low_ci_high",
    "n_unaltered_evaluable",
    "n_unaltered_her2_0",
    "n_unaltered_her2_low",
    "n_unaltered_her2_positive",
    "pct_her2_low_unaltered",
    "pct_her2_low_unaltered_ci_low",
    "pct_her2_low_unaltered_ci_high",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "fisher_p",
    "bh_q",
    "mh_odds_ratio",
    "mh_ci_low",
    "mh_ci_high",
    "mh_p",
    "breslow_day_p",
    "n_mh_strata",
    "n_not_profiled",
    "extension",
    "status",
]
COLUMNS = LEAD_COLUMNS + STAT_COLUMNS


def wilson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval of k / n.

    The interval always holds k / n and lies in [0, 1]; its bound is exactly 0 at k = 0 and exactly
    1 at k = n. The closed formula misses those by a rounding error (e.g. a lower bound of 2.8e-17
    or 1.4e-15 above a share of 0), so the bounds are set to the mathematics here.
    """
    if n == 0:
        return (np.nan, np.nan)
    lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
    share = k / n
    lo = 0.0 if k == 0 else min(max(float(lo), 0.0), share)
    hi = 1.0 if k == n else max(min(float(hi), 1.0), share)
    return lo, hi


def odds_ratio_exact(table: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float, float]:
    """Conditional MLE odds ratio, exact conditional CI and two-sided Fisher p of a 2x2 table.

    Rows: altered, unaltered; columns: HER2-low, HER2-0. NaN where a margin is zero. The odds
    ratio and CI are scipy's ``odds_ratio(kind="conditional")`` computed vectorised
    (:mod:`her2cohort.exact`, equal to scipy's to 1e-10 relative; linear in the counts).
    """
    t = np.asarray(table, dtype=int)
    if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return (np.nan, np.nan, np.nan, np.nan)
    res = conditional_odds_ratio(t, alpha)
    p = fisher_exact(t, alternative="two-sided").pvalue
    return res.estimate, res.low, res.high, float(p)


def mantel_haenszel(
    tables: list[np.ndarray], alpha: float = 0.05
) -> tuple[float, float, float, float, float, int]:
    """Pooled MH odds ratio, its CI, the CMH test p (continuity-corrected, as R's mantelhaen.test)
    and the Breslow-Day homogeneity p, over strata with at least two observations."""
    usable = [np.asarray(t, dtype=float) for t in tables if np.asarray(t).sum() >= 2]
    informative = [t for t in usable if (t.sum(axis=0) > 0).all() and (t.sum(axis=1) > 0).all()]
    if not informative:
        return (np.nan, np.nan, np.nan, np.nan, np.nan, 0)
    st = StratifiedTable(informative)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        or_ = float(st.oddsratio_pooled)
        lo, hi = st.oddsratio_pooled_confint(alpha=alpha)
        p = float(st.test_null_odds(correction=True).pvalue)
        bd = float(st.test_equal_odds().pvalue) if len(informative) > 1 else np.nan
    finite = np.isfinite(or_) and or_ > 0
    return (
        or_ if finite else np.nan,
        float(lo) if finite else np.nan,
        float(hi) if finite else np.nan,
        p,
        bd,
        len(informative),
    )


def select_unit(
    frame: pd.DataFrame, unit: str, sequencing_time: pd.Series | None = None
) -> pd.DataFrame:
    """Every sample, or one per patient: the latest sequenced (ties and missing times: the last id)."""
    if unit == "sample":
        return frame
    if unit != "patient":
        raise ValueError(f"unit must be 'sample' or 'patient', not {unit!r}")
    order = pd.DataFrame({"sample_id": frame["sample_id"], "patient_id": frame["patient_id"]})
    order["t"] = (
        pd.to_numeric(sequencing_time, errors="coerce").to_numpy()
        if sequencing_time is not None
        else np.nan
    )
    order["t"] = order["t"].fillna(-np.inf)
    keep = order.sort_values(["patient_id", "t", "sample_id"]).drop_duplicates(
        "patient_id", keep="last"
    )
    return frame[frame["sample_id"].isin(keep["sample_id"])]


def enrichment_table(
    matrix: pd.DataFrame,
    categories: pd.Series,
    hr_status: pd.Series,
    definitions: pd.DataFrame,
    alpha: float = 0.05,
    cannot: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The enrichment table for one cohort and one HER2 rule set.

    matrix: sample rows, one column per alteration (1 / 0 / <NA>); categories and hr_status are
    aligned with matrix rows; definitions has alteration, mechanism, genes, extension;
    `cannot` maps alteration -> reason its statistics cannot be computed (e.g. no CNA profile).
    """
    cannot = dict(cannot or {})
    cat = pd.Series(categories.to_numpy(), dtype="string").fillna("unknown")
    hr = pd.Series(hr_status.to_numpy(), dtype="string")
    known = cat.isin(KNOWN_CATEGORIES).to_numpy()
    low = (cat == "HER2-low").to_numpy()
    zero = (cat == "HER2-0").to_numpy()
    pos = (cat == "HER2-positive").to_numpy()
    no_low_zero = not (low.any() or zero.any())
    rows = []
    for d in definitions.itertuples(index=False):
        col = pd.array(matrix[d.alteration], dtype="Int8")
        alt = (col == 1).to_numpy(dtype=bool, na_value=False)
        unalt = (col == 0).to_numpy(dtype=bool, na_value=False)
        row: dict[str, Any] = {
            "alteration": d.alteration,
            "mechanism": d.mechanism,
            "genes": d.genes,
            "n_altered": int(alt.sum()),
            "n_evaluable": int((alt & known).sum()),
            "n_her2_0": int((alt & zero).sum()),
            "n_her2_low": int((alt & low).sum()),
            "n_her2_positive": int((alt & pos).sum()),
            "n_unaltered_evaluable": int((unalt & known).sum()),
            "n_unaltered_her2_0": int((unalt & zero).sum()),
            "n_unaltered_her2_low": int((unalt & low).sum()),
            "n_unaltered_her2_positive": int((unalt & pos).sum()),
            "n_not_profiled": int(col.isna().sum()),
            "extension": bool(d.extension),
        }
        note = cannot.get(d.alteration)
        reason = note if note is not None and note.startswith("not computable") else None
        partial = None if reason is not None else note
        if reason is None and not (alt.any() or unalt.any()):
            reason = "not computable: no sample profiled for these genes and events"
        if reason is None and not known.any():
            reason = "not computable: no sample has a known HER2 category under this rule set"
        if reason is None and no_low_zero:
            reason = "not computable: HER2-0 and HER2-low cannot be told apart (no IHC scores)"
        if reason is not None:
            status = reason + (f"; {partial}" if partial else "")
            rows.append({**row, "pct_her2_low": np.nan, "status": status})
            continue
        n, k = row["n_evaluable"], row["n_her2_low"]
        row["pct_her2_low"] = 100 * k / n if n else np.nan
        lo, hi = wilson(k, n, alpha)
        row["pct_her2_low_ci_low"], row["pct_her2_low_ci_high"] = 100 * lo, 100 * hi
        nu, ku = row["n_unaltered_evaluable"], row["n_unaltered_her2_low"]
        row["pct_her2_low_unaltered"] = 100 * ku / nu if nu else np.nan
        lo, hi = wilson(ku, nu, alpha)
        row["pct_her2_low_unaltered_ci_low"], row["pct_her2_low_unaltered_ci_high"] = (
            100 * lo,
            100 * hi,
        )
        table = np.array(
            [
                [row["n_her2_low"], row["n_her2_0"]],
                [row["n_unaltered_her2_low"], row["n_unaltered_her2_0"]],
            ]
        )
        row["odds_ratio"], row["or_ci_low"], row["or_ci_high"], row["fisher_p"] = odds_ratio_exact(
            table, alpha
        )
        strata = []
        for level in ("positive", "negative"):
            s = (hr == level).to_numpy(dtype=bool, na_value=False)
            strata.append(
                np.array(
                    [
                        [(alt & low & s).sum(), (alt & zero & s).sum()],
                        [(unalt & low & s).sum(), (unalt & zero & s).sum()],
                    ]
                )
            )
        (
            row["mh_odds_ratio"],
            row["mh_ci_low"],
            row["mh_ci_high"],
            row["mh_p"],
            row["breslow_day_p"],
            row["n_mh_strata"],
        ) = mantel_haenszel(strata, alpha)
        row["status"] = (
            "computed" if n else "computed: no altered sample with a known HER2 category"
        )
        if partial:
            row["status"] += f"; {partial}"
        rows.append(row)
    out = pd.DataFrame(rows)
    for c in COLUMNS:
        if c not in out:
            out[c] = np.nan
    p = out["fisher_p"].to_numpy(dtype=float)
    ok = np.isfinite(p)
    q = np.full(len(out), np.nan)
    if ok.any():
        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    out["bh_q"] = q
    return out[COLUMNS]


def cannot_compute(definitions: pd.DataFrame, availability: dict[str, bool]) -> dict[str, str]:
    """What each row's status must say: rows whose events all rely on a profile the study lacks
    are not computable; rows missing some profiles, or naming a gene the study never names
    (``genes_not_found``), are computed from the rest with the status saying so."""
    out = {}
    for d in definitions.itertuples(index=False):
        notes = [
            text
            for text in (getattr(d, "genes_resolved", ""), getattr(d, "genes_not_found", ""))
            if isinstance(text, str) and text
        ]
        events = d.events.split(",")
        missing = [e for e in events if not availability.get(EVENT_PROFILE[e], False)]
        profiles = "/".join(sorted({EVENT_PROFILE[e] for e in missing}))
        if missing and len(missing) == len(events):
            out[d.alteration] = "; ".join(
                [f"not computable: study has no {profiles} profile"] + notes
            )
            continue
        if missing:
            notes.insert(
                0, f"partial: {', '.join(missing)} not profiled in this study ({profiles})"
            )
        if notes:
            out[d.alteration] = "; ".join(notes)
    return out


SENSITIVITY_COLUMNS = [
    "rule",
    "zero_one_plus",
    "default",
    "alteration",
    "n_evaluable",
    "n_her2_low",
    "pct_her2_low",
    "pct_her2_low_ci_low",
    "pct_her2_low_ci_high",
    "pct_her2_low_unaltered",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "fisher_p",
    "bh_q",
    "mh_odds_ratio",
    "mh_p",
    "status",
]


def sensitivity(
    matrix: pd.DataFrame,
    scenarios: pd.DataFrame,
    hr_status: pd.Series,
    definitions: pd.DataFrame,
    defaults: dict[str, str],
    alpha: float = 0.05,
    cannot: dict[str, str] | None = None,
) -> pd.DataFrame:
    """pct HER2-low and odds ratios per alteration across rule sets and 0-1+ assignments.

    scenarios: the long categories table (sample_id, rule, zero_one_plus, tissue, her2_category);
    only the sequenced-sample tissue is used; matrix rows define the unit of analysis.
    """
    seq = scenarios[scenarios["tissue"] == "sequenced"]
    frames = []
    for (rule, z), sub in seq.groupby(["rule", "zero_one_plus"], sort=False):
        cats = sub.set_index("sample_id")["her2_category"].reindex(matrix["sample_id"])
        table = enrichment_table(matrix, cats, hr_status, definitions, alpha, cannot)
        table.insert(0, "default", defaults.get(rule) == z)
        table.insert(0, "zero_one_plus", z)
        table.insert(0, "rule", rule)
        frames.append(table[SENSITIVITY_COLUMNS])
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class EnrichmentResults:
    """The enrichment stage's outputs for one cohort.

    Attributes
    ----------
    tables
        Rule set -> the enrichment table (:data:`COLUMNS` plus ``unit``).
    published
        The published rule set's counts beside the published ones.
    sensitivity
        Share HER2-low and odds ratios across every rule set x 0-1+ assignment.
    """

    tables: dict[str, pd.DataFrame]
    published: pd.DataFrame
    sensitivity: pd.DataFrame


def run_enrichment(
    matrix: pd.DataFrame,
    summary: pd.DataFrame,
    clinical: pd.DataFrame,
    scenarios: pd.DataFrame,
    samples: Mapping[str, pd.DataFrame],
    rulesets: Mapping[str, Mapping[str, Any]],
    options: Mapping[str, Any],
    published: pd.DataFrame,
    study_id: str,
) -> EnrichmentResults:
    """Enrichment tables of every rule set, the published comparison and the sensitivity table.

    Parameters
    ----------
    matrix, summary
        The alteration matrix and its summary (``alterations/``).
    clinical
        The canonical clinical table, indexed by sample_id.
    scenarios
        The long HER2 categories table (every rule set x 0-1+ assignment x tissue).
    samples
        Rule set -> its per-sample HER2 table, indexed by sample_id.
    rulesets
        Rule set -> effective settings (``zero_one_plus``), see :func:`her2cohort.terms.resolve_rulesets`.
    options
        The ``enrichment`` config block (unit, confidence, published_ruleset).
    published, study_id
        The published table and the cohort's study id.
    """
    alpha = 1 - options["confidence"]
    unit = options["unit"]
    matrix = select_unit(matrix, unit, clinical["sequencing_time"].reindex(matrix["sample_id"]))
    hr = clinical["hr_status"].reindex(matrix["sample_id"])
    cannot = cannot_compute(summary, availability_from_summary(summary))
    tables = {}
    for rule in rulesets:
        cats = samples[rule]["her2_category"].reindex(matrix["sample_id"])
        tables[rule] = enrichment_table(matrix, cats, hr, summary, alpha, cannot)
        tables[rule].insert(len(LEAD_COLUMNS), "unit", unit)
    ours = tables[options["published_ruleset"]]
    defaults = {r: s["zero_one_plus"] for r, s in rulesets.items()}
    return EnrichmentResults(
        tables=tables,
        published=published_comparison(ours, published, study_id),
        sensitivity=sensitivity(matrix, scenarios, hr, summary, defaults, alpha, cannot),
    )
