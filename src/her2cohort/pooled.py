"""Pooled results across cohorts: HER2-low enrichment odds ratios and Cox hazard ratios.

Enrichment (one rule set, the default): per alteration, each usable cohort is one stratum, the 2x2
table altered / unaltered x HER2-low / HER2-0 (HER2-positive excluded). The cohort-stratified
Mantel-Haenszel odds ratio with its Robins-Breslow-Greenland CI, the continuity-corrected CMH test
and the Breslow-Day test of homogeneity come from statsmodels' ``StratifiedTable`` (through
:func:`her2cohort.contingency.mantel_haenszel`); Cochran's Q and I^2 are computed on the per-cohort
Woolf log odds ratios, with 0.5 added to the four cells of a cohort's table only where one of its
cells is 0. A cohort that cannot tell HER2-0 from HER2-low (a row status saying so, e.g. METABRIC,
which has only a clinical HER2 status) is never pooled: it is listed as excluded with the reason.

Survival: per analysis name, model and term, each cohort's primary fit (left-truncated where the
cohort has it, else naive) is pooled on the log hazard ratio scale with inverse-variance fixed
effect and DerSimonian-Laird random effects; the standard error comes from the 95% Wald CI,
``(log hi - log lo) / (2 * 1.959964)``.

A cohort whose reference level of the term differs from the first cohort's is left out. A quantity
usable in fewer than two cohorts is not pooled (``nothing to pool``); every pooled row says how the
cohorts differ (sample types, sequencing, HER2 scoring, follow-up).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc, ndtr, ndtri

from her2cohort.contingency import mantel_haenszel

#: normal quantile of the 95% Wald intervals in the Cox tables
Z95 = 1.959964
#: the enrichment status of a cohort without IHC scores; such a cohort is never pooled
CANNOT_TELL = "HER2-0 and HER2-low cannot be told apart"
#: the fit used per cohort, in order of preference (left-truncated where present, else naive)
PRIMARY_TRUNCATION = ("left", "none")
COUNTS = ("n_her2_low", "n_her2_0", "n_unaltered_her2_low", "n_unaltered_her2_0")

ENRICHMENT_COLUMNS = [
    "alteration", "mechanism", "genes", "ruleset", "n_cohorts", "cohorts", *COUNTS,
    "mh_odds_ratio", "mh_ci_low", "mh_ci_high", "cmh_p", "breslow_day_p",
    "q", "q_df", "q_p", "i2_pct", "continuity_corrected", "excluded_cohorts",
    "exclusion_reasons", "status", "caveat",
]  # fmt: skip
ENRICHMENT_BY_COHORT_COLUMNS = [
    "alteration", "cohort", "status_in_cohort", *COUNTS, "odds_ratio", "or_ci_low",
    "or_ci_high", "log_or", "se", "continuity_corrected", "pooled",
]  # fmt: skip
SURVIVAL_COLUMNS = [
    "analysis", "model", "term", "reference", "n_cohorts", "cohorts", "truncation",
    "fixed_hr", "fixed_ci_low", "fixed_ci_high", "fixed_p",
    "random_hr", "random_ci_low", "random_ci_high", "random_p", "tau2",
    "q", "q_df", "q_p", "i2_pct", "excluded_cohorts", "exclusion_reasons", "status", "caveat",
]  # fmt: skip
SURVIVAL_BY_COHORT_COLUMNS = [
    "analysis", "model", "term", "reference", "cohort", "truncation", "hr", "ci_low", "ci_high",
    "log_hr", "se", "n", "events", "weight_fixed_pct", "weight_random_pct", "pooled",
]  # fmt: skip


@dataclass(frozen=True)
class InverseVariance:
    """Inverse-variance pooling of estimates on a log scale.

    Attributes
    ----------
    fixed, fixed_se
        Fixed-effect pooled estimate and its standard error.
    random, random_se, tau2
        DerSimonian-Laird random-effects estimate, its standard error and the between-cohort
        variance.
    q, q_df, q_p, i2_pct
        Cochran's Q, its degrees of freedom (k - 1), chi-square p, and I^2 in percent.
    weights_fixed, weights_random
        Each estimate's share of the weight, in percent.
    """

    fixed: float
    fixed_se: float
    random: float
    random_se: float
    tau2: float
    q: float
    q_df: int
    q_p: float
    i2_pct: float
    weights_fixed: tuple[float, ...]
    weights_random: tuple[float, ...]


def inverse_variance(y: Sequence[float], se: Sequence[float]) -> InverseVariance:
    """Fixed-effect and DerSimonian-Laird pooling with Cochran's Q and I^2.

    Parameters
    ----------
    y, se
        Per-cohort estimates (log scale) and their standard errors (finite, > 0).

    Returns
    -------
    InverseVariance
        ``Q = sum w (y - fixed)^2`` with ``w = 1 / se^2``; ``I^2 = max(0, (Q - df) / Q)``;
        ``tau^2 = max(0, (Q - df) / (sum w - sum w^2 / sum w))``; random weights
        ``1 / (se^2 + tau^2)``. One estimate: Q = 0, its p NaN, I^2 = tau^2 = 0.
    """
    yy, v = np.asarray(y, dtype=float), np.asarray(se, dtype=float) ** 2
    w = 1 / v
    fixed = float(np.sum(w * yy) / np.sum(w))
    q = float(np.sum(w * (yy - fixed) ** 2))
    df = len(yy) - 1
    q_p = float(chdtrc(df, q)) if df > 0 else np.nan
    i2 = 100 * max(0.0, (q - df) / q) if q > 0 else 0.0
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    tau2 = max(0.0, (q - df) / c) if c > 0 else 0.0
    wr = 1 / (v + tau2)
    return InverseVariance(
        fixed, float(np.sqrt(1 / np.sum(w))), float(np.sum(wr * yy) / np.sum(wr)),
        float(np.sqrt(1 / np.sum(wr))), tau2, q, df, q_p, i2,
        tuple(float(x) for x in 100 * w / np.sum(w)), tuple(float(x) for x in 100 * wr / np.sum(wr)),
    )  # fmt: skip


def woolf(table: np.ndarray) -> tuple[float, float, bool]:
    """Woolf log odds ratio and its standard error of one 2x2 table.

    Parameters
    ----------
    table
        ``[[altered HER2-low, altered HER2-0], [unaltered HER2-low, unaltered HER2-0]]``.

    Returns
    -------
    tuple
        ``(log OR, SE, corrected)``: 0.5 is added to all four cells only where a cell is 0
        (``corrected`` True); ``SE = sqrt(sum 1 / cell)``.
    """
    t = np.asarray(table, dtype=float).ravel()
    corrected = bool((t == 0).any())
    if corrected:
        t = t + 0.5
    a, b, c, d = t
    return float(np.log(a * d / (b * c))), float(np.sqrt(np.sum(1 / t))), corrected


def describe_cohort(label: str, meta: Mapping[str, Any], sample_types: pd.Series) -> str:
    """One line on a cohort's design for the caveats: label, samples, % metastatic, description."""
    n = len(sample_types)
    met = int((sample_types.astype("string") == "metastasis").sum())
    share = f"{100 * met / n:.0f}% metastatic" if n else "no samples"
    desc = str(meta.get("description") or meta.get("name") or "").strip().rstrip(".")
    return f"{label}: {n} samples, {share}" + (f" ({desc})" if desc else "")


def _summary(
    used: Sequence[str], excluded: Mapping[str, str], designs: Mapping[str, str], extra: str
) -> dict[str, Any]:
    """The columns every pooled row has: cohorts used and excluded, status and caveat."""
    pooled, parts = len(used) >= 2, "; ".join(designs.get(c, c) for c in used)
    alone = f"{used[0]} only" if used else "no cohort"
    return {
        "n_cohorts": len(used), "cohorts": ", ".join(used),
        "excluded_cohorts": ", ".join(excluded),
        "exclusion_reasons": "; ".join(f"{c}: {r}" for c, r in excluded.items()),
        "status": f"pooled: {len(used)} cohorts" if pooled else f"nothing to pool: usable in {alone}",
        "caveat": f"the pooled cohorts differ in design, harmonised only in HER2 rules{extra}: "
        f"{parts}" if pooled else "not pooled",
    }  # fmt: skip


def _cannot_tell(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    why = f"cannot tell HER2-0 from HER2-low (its table says '{CANNOT_TELL}')"
    said = {c: t["status"].astype("string").str.contains(CANNOT_TELL, regex=False) for c, t in tables.items()}  # fmt: skip
    return {c: why for c, hit in said.items() if hit.fillna(False).any()}


def _enrichment_usable(row: pd.Series | None) -> tuple[np.ndarray | None, str]:
    """The cohort's 2x2 table of one alteration, or None and why it cannot be pooled."""
    if row is None:
        return None, "alteration not in its enrichment table"
    status = str(row["status"])
    if status.startswith("not computable"):
        return None, status
    counts = pd.to_numeric(pd.Series([row[c] for c in COUNTS]), errors="coerce")
    if counts.isna().any():
        return None, "HER2 counts missing"
    t = counts.to_numpy(dtype=int).reshape(2, 2)
    names = ("altered", "unaltered", "HER2-low", "HER2-0")
    empty = [n for n, m in zip(names, [*t.sum(1), *t.sum(0)], strict=True) if m == 0]
    if empty:
        return None, f"not informative: no {', no '.join(empty)} sample in its HER2-low/0 table"
    return t, status


def pool_enrichment(
    tables: Mapping[str, pd.DataFrame],
    designs: Mapping[str, str],
    ruleset: str,
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cohort-stratified HER2-low enrichment per alteration.

    Parameters
    ----------
    tables
        Cohort -> its enrichment table under ``ruleset`` (:data:`her2cohort.enrichment.COLUMNS`).
    designs
        Cohort -> one line on its design (:func:`describe_cohort`).
    ruleset
        The HER2 rule set of the tables.
    alpha
        1 - the confidence level of the intervals.

    Returns
    -------
    tuple of DataFrame
        :data:`ENRICHMENT_COLUMNS` (one row per alteration of any table) and
        :data:`ENRICHMENT_BY_COHORT_COLUMNS` (every usable per-cohort row; ``pooled`` False
        where the alteration had nothing to pool).
    """
    z = float(ndtri(1 - alpha / 2))
    cannot = _cannot_tell(tables)
    indexed = {c: t.drop_duplicates("alteration").set_index("alteration") for c, t in tables.items()}  # fmt: skip
    first = pd.concat(list(tables.values())).drop_duplicates("alteration")  # first cohort's row
    rows, by_cohort = [], []
    for ref in first.itertuples():
        alteration = ref.alteration
        strata, excluded, mine = [], {}, []
        for cohort, table in indexed.items():
            row = table.loc[alteration] if alteration in table.index else None
            t, why = (None, cannot[cohort]) if cohort in cannot else _enrichment_usable(row)
            if t is None:
                excluded[cohort] = why
                continue
            strata.append(t)
            lor, se, corr = woolf(t)
            mine.append({
                "alteration": alteration, "cohort": cohort,
                "status_in_cohort": why, **dict(zip(COUNTS, t.ravel().tolist(), strict=True)),
                "odds_ratio": np.exp(lor), "or_ci_low": np.exp(lor - z * se),
                "or_ci_high": np.exp(lor + z * se), "log_or": lor, "se": se,
                "continuity_corrected": corr, "pooled": False,
            })  # fmt: skip
        used = [r["cohort"] for r in mine]
        corrected = [r["cohort"] for r in mine if r["continuity_corrected"]]
        totals = np.sum(strata, axis=0).ravel().tolist() if strata else [0, 0, 0, 0]
        note = " (a cell is 0: 0.5 added to its four cells, for the Woolf log OR only)"
        out: dict[str, Any] = {
            "alteration": alteration, "mechanism": ref.mechanism, "genes": ref.genes,
            "ruleset": ruleset, **dict(zip(COUNTS, totals, strict=True)),
            "continuity_corrected": ", ".join(corrected) + note if corrected else "none",
            **_summary(used, excluded, designs, f" (rule set {ruleset})"),
        }  # fmt: skip
        for r in mine:
            r["pooled"] = len(used) >= 2
        if len(used) >= 2:
            mh = mantel_haenszel(strata, alpha)
            iv = inverse_variance([r["log_or"] for r in mine], [r["se"] for r in mine])
            out.update(
                mh_odds_ratio=mh[0], mh_ci_low=mh[1], mh_ci_high=mh[2], cmh_p=mh[3],
                breslow_day_p=mh[4], q=iv.q, q_df=iv.q_df, q_p=iv.q_p, i2_pct=iv.i2_pct,
            )  # fmt: skip
        rows.append(out)
        by_cohort += mine
    pooled = pd.DataFrame(rows).reindex(columns=ENRICHMENT_COLUMNS).astype({"q_df": "Int64"})
    return pooled, pd.DataFrame(by_cohort).reindex(columns=ENRICHMENT_BY_COHORT_COLUMNS)


def primary_fit(cox: pd.DataFrame, model: str, term: str) -> pd.Series | None:
    """The row of one model and term from the cohort's primary fit (left-truncated, else naive)."""
    sub = cox[(cox["model"] == model) & (cox["term"] == term)]
    hits = [sub[sub["truncation"] == truncation] for truncation in PRIMARY_TRUNCATION]
    return next((hit.iloc[0] for hit in hits if not hit.empty), None)


def pool_survival(
    cox: Mapping[str, Mapping[str, pd.DataFrame]],
    designs: Mapping[str, str],
    references: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fixed-effect and DerSimonian-Laird pooled hazard ratios per analysis, model and term.

    Parameters
    ----------
    cox
        Cohort -> analysis name -> its ``cox.tsv`` (term, hr, ci_low, ci_high, n, events, model,
        truncation); a cohort without survival analyses maps to an empty mapping.
    designs
        Cohort -> one line on its design (:func:`describe_cohort`).
    references
        Cohort -> analysis -> reference level of each categorical variable (``group``, ...); a
        cohort whose reference differs from the first usable cohort's is excluded.

    Returns
    -------
    tuple of DataFrame
        :data:`SURVIVAL_COLUMNS` (one row per analysis, model and term of any cohort) and
        :data:`SURVIVAL_BY_COHORT_COLUMNS` (the per-cohort primary fits used).
    """
    tables = [(name, t) for analyses in cox.values() for name, t in analyses.items()]
    keys = dict.fromkeys((a, str(r.model), str(r.term)) for a, t in tables for r in t.itertuples())
    rows, by_cohort = [], []
    for analysis, model, term in keys:
        used: list[dict[str, Any]] = []
        excluded: dict[str, str] = {}
        for cohort, analyses in cox.items():
            if analysis not in analyses:
                excluded[cohort] = f"no survival analysis '{analysis}'"
                continue
            r = primary_fit(analyses[analysis], model, term)
            if r is None:
                excluded[cohort] = f"no term '{term}' in model '{model}'"
                continue
            hr, lo, hi = (float(r[c]) for c in ("hr", "ci_low", "ci_high"))
            if not (np.isfinite([hr, lo, hi]).all() and 0 < lo < hi):
                excluded[cohort] = f"{r['truncation']} fit not estimable"
                continue
            var = term.partition(":")[0]
            ref = (references or {}).get(cohort, {}).get(analysis, {}).get(var)
            if used and ref != used[0]["reference"]:
                excluded[cohort] = f"reference of {var} is {ref}, not {used[0]['reference']}"
                continue
            se = (np.log(hi) - np.log(lo)) / (2 * Z95)
            used.append({
                "analysis": analysis, "model": model, "term": term, "reference": ref, "cohort": cohort,
                "truncation": r["truncation"], "hr": hr,
                "ci_low": lo, "ci_high": hi, "log_hr": float(np.log(hr)), "se": float(se),
                "n": r.get("n", np.nan), "events": r.get("events", np.nan), "pooled": False,
            })  # fmt: skip
        names = [u["cohort"] for u in used]
        truncs = sorted({u["truncation"] for u in used})
        mixed = "; left-truncated and naive fits mixed" if len(truncs) > 1 else ""
        out: dict[str, Any] = {
            "analysis": analysis, "model": model, "term": term,
            "reference": used[0]["reference"] if used else None,
            "truncation": "; ".join(f"{u['cohort']}: {u['truncation']}" for u in used),
            **_summary(names, excluded, designs, mixed),
        }  # fmt: skip
        if len(used) >= 2:
            iv = inverse_variance([u["log_hr"] for u in used], [u["se"] for u in used])
            for u, wf, wr in zip(used, iv.weights_fixed, iv.weights_random, strict=True):
                u.update(weight_fixed_pct=wf, weight_random_pct=wr, pooled=True)
            fits = {"fixed": (iv.fixed, iv.fixed_se), "random": (iv.random, iv.random_se)}
            for kind, (est, se) in fits.items():
                hr, lo, hi = np.exp([est, est - Z95 * se, est + Z95 * se])
                p = float(2 * ndtr(-abs(est / se)))
                out.update({f"{kind}_hr": hr, f"{kind}_ci_low": lo, f"{kind}_ci_high": hi, f"{kind}_p": p})  # fmt: skip
            out.update(tau2=iv.tau2, q=iv.q, q_df=iv.q_df, q_p=iv.q_p, i2_pct=iv.i2_pct)
        rows.append(out)
        by_cohort += used
    pooled = pd.DataFrame(rows).reindex(columns=SURVIVAL_COLUMNS).astype({"q_df": "Int64"})
    return pooled, pd.DataFrame(by_cohort).reindex(columns=SURVIVAL_BY_COHORT_COLUMNS)


@dataclass(frozen=True)
class PooledResults:
    """The pooled stage's tables (see :func:`run_pooled`)."""

    enrichment: pd.DataFrame
    enrichment_by_cohort: pd.DataFrame
    survival: pd.DataFrame
    survival_by_cohort: pd.DataFrame


def run_pooled(
    enrichment: Mapping[str, pd.DataFrame],
    cox: Mapping[str, Mapping[str, pd.DataFrame]],
    meta: Mapping[str, Mapping[str, Any]],
    sample_types: Mapping[str, pd.Series],
    labels: Mapping[str, str],
    ruleset: str,
    confidence: float = 0.95,
    references: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> PooledResults:
    """Pooled enrichment and survival tables of every configured cohort.

    Parameters
    ----------
    enrichment
        Cohort -> its enrichment table under ``ruleset``.
    cox
        Cohort -> analysis -> its ``cox.tsv`` (empty for a cohort without survival analyses).
    meta, sample_types, labels
        Cohort -> its manifest's ``meta`` block, its samples' sample types and its label (caveats).
    ruleset
        The default HER2 rule set (the one the enrichment tables were computed under).
    confidence
        Confidence level of the pooled enrichment intervals (survival: 95%, as the Cox tables).
    references
        Cohort -> analysis -> reference level of each categorical variable (:func:`pool_survival`).
    """
    designs = {
        c: describe_cohort(labels.get(c, c), meta.get(c, {}), s) for c, s in sample_types.items()
    }
    table, by_cohort = pool_enrichment(enrichment, designs, ruleset, 1 - confidence)
    survival, survival_by = pool_survival(cox, designs, references)
    return PooledResults(table, by_cohort, survival, survival_by)
