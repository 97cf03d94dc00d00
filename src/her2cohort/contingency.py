"""Statistics of HER2-low vs HER2-0 by altered vs unaltered: 2 x 2 tables, one row per alteration.

Shared by the configured alteration rows (:mod:`her2cohort.enrichment`) and the genome-wide
comparison (:mod:`her2cohort.genome`), so a gene's row there equals the configured row of the same
gene and events. Input: a frame of counts (:data:`COUNT_COLUMNS`); output: shares with Wilson CIs,
the conditional odds ratio with its exact CI and Fisher's p, and the Mantel-Haenszel odds ratio
stratified by HR status with the CMH and Breslow-Day p.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from her2cohort.exact import conditional_odds_ratio

#: HR strata of the Mantel-Haenszel estimate
HR_STRATA = ("positive", "negative")
#: per stratum: altered / unaltered x HER2-low / HER2-0 counts, e.g. ``s_positive_alt_low``
STRATUM_COLUMNS = [
    f"s_{hr}_{a}_{c}" for hr in HR_STRATA for a in ("alt", "unalt") for c in ("low", "zero")
]
COUNT_COLUMNS = [
    "n_evaluable",
    "n_her2_0",
    "n_her2_low",
    "n_unaltered_evaluable",
    "n_unaltered_her2_0",
    "n_unaltered_her2_low",
    *STRATUM_COLUMNS,
]
STATISTIC_COLUMNS = [
    "pct_her2_low",
    "pct_her2_low_ci_low",
    "pct_her2_low_ci_high",
    "pct_her2_low_unaltered",
    "pct_her2_low_unaltered_ci_low",
    "pct_her2_low_unaltered_ci_high",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "fisher_p",
    "mh_odds_ratio",
    "mh_ci_low",
    "mh_ci_high",
    "mh_p",
    "breslow_day_p",
    "n_mh_strata",
]


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


def row_statistics(counts: pd.Series, alpha: float = 0.05) -> dict[str, float]:
    """:data:`STATISTIC_COLUMNS` of one row of counts (:data:`COUNT_COLUMNS`)."""
    c = {k: int(counts[k]) for k in COUNT_COLUMNS}
    out: dict[str, float] = {}
    n, k = c["n_evaluable"], c["n_her2_low"]
    out["pct_her2_low"] = 100 * k / n if n else np.nan
    lo, hi = wilson(k, n, alpha)
    out["pct_her2_low_ci_low"], out["pct_her2_low_ci_high"] = 100 * lo, 100 * hi
    nu, ku = c["n_unaltered_evaluable"], c["n_unaltered_her2_low"]
    out["pct_her2_low_unaltered"] = 100 * ku / nu if nu else np.nan
    lo, hi = wilson(ku, nu, alpha)
    out["pct_her2_low_unaltered_ci_low"], out["pct_her2_low_unaltered_ci_high"] = 100 * lo, 100 * hi
    table = np.array(
        [[c["n_her2_low"], c["n_her2_0"]], [c["n_unaltered_her2_low"], c["n_unaltered_her2_0"]]]
    )
    (out["odds_ratio"], out["or_ci_low"], out["or_ci_high"], out["fisher_p"]) = odds_ratio_exact(
        table, alpha
    )
    strata = [
        np.array(
            [
                [c[f"s_{hr}_alt_low"], c[f"s_{hr}_alt_zero"]],
                [c[f"s_{hr}_unalt_low"], c[f"s_{hr}_unalt_zero"]],
            ]
        )
        for hr in HR_STRATA
    ]
    (
        out["mh_odds_ratio"],
        out["mh_ci_low"],
        out["mh_ci_high"],
        out["mh_p"],
        out["breslow_day_p"],
        n_strata,
    ) = mantel_haenszel(strata, alpha)
    out["n_mh_strata"] = float(n_strata)
    return out


def statistics(counts: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """:data:`STATISTIC_COLUMNS` for every row of `counts` (a loop over rows of small integer
    tables; the counts themselves are computed vectorised by the callers)."""
    rows = [row_statistics(r, alpha) for _, r in counts[COUNT_COLUMNS].iterrows()]
    out = pd.DataFrame(rows, index=counts.index, columns=STATISTIC_COLUMNS).astype(float)
    out["n_mh_strata"] = out["n_mh_strata"].astype("Int64")
    return out


def bh(p: pd.Series | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q over the finite p-values (NaN elsewhere)."""
    arr = np.asarray(p, dtype=float)
    ok = np.isfinite(arr)
    q = np.full(len(arr), np.nan)
    if ok.any():
        q[ok] = multipletests(arr[ok], method="fdr_bh")[1]
    return q


def category_counts(
    altered: np.ndarray, unaltered: np.ndarray, categories: pd.Series, hr_status: pd.Series
) -> pd.DataFrame:
    """:data:`COUNT_COLUMNS` (plus HER2-positive and all-altered counts) of boolean samples x rows
    arrays, by matrix products (no loop over samples or rows)."""
    from her2cohort.terms import KNOWN_CATEGORIES

    cat = pd.Series(categories.to_numpy(), dtype="string").fillna("unknown")
    hr = pd.Series(hr_status.to_numpy(), dtype="string")
    known = cat.isin(KNOWN_CATEGORIES).to_numpy(bool)
    low = (cat == "HER2-low").to_numpy(bool)
    zero = (cat == "HER2-0").to_numpy(bool)
    pos = (cat == "HER2-positive").to_numpy(bool)
    a = altered.astype(np.int64)
    u = unaltered.astype(np.int64)
    cols: dict[str, np.ndarray] = {
        "n_altered": a.sum(axis=0),
        "n_evaluable": known @ a,
        "n_her2_0": zero @ a,
        "n_her2_low": low @ a,
        "n_her2_positive": pos @ a,
        "n_unaltered_evaluable": known @ u,
        "n_unaltered_her2_0": zero @ u,
        "n_unaltered_her2_low": low @ u,
        "n_unaltered_her2_positive": pos @ u,
    }
    for level in HR_STRATA:
        s = (hr == level).to_numpy(dtype=bool, na_value=False)
        for name, arr in (("alt", a), ("unalt", u)):
            cols[f"s_{level}_{name}_low"] = (low & s) @ arr
            cols[f"s_{level}_{name}_zero"] = (zero & s) @ arr
    return pd.DataFrame({k: np.asarray(v, dtype=np.int64) for k, v in cols.items()})
