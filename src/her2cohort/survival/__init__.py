"""Survival analyses of HER2 categories and intrinsic subtypes: Kaplan-Meier, log-rank, Cox PH.

Everything here is a small pure function over pandas frames / numpy arrays; the Snakemake scripts
read inputs, call these and write the results.

Conventions (chosen to agree with R's ``survival`` package, the field's reference)
--------------------------------------------------------------------------------
* Truncation labels: ``none`` (naive: everyone at risk from diagnosis) and ``left`` (left-truncated:
  a patient is at risk only after entering the cohort, at first sequencing).
* Risk set at time t: naive ``time >= t``; left-truncated ``entry < t <= time`` -- R's counting
  process ``Surv(entry, time, event)``. A patient whose entry is not before their last follow-up
  (``entry >= time``) cannot contribute and is dropped from truncated fits (counted).
* Kaplan-Meier (:func:`kaplan_meier`) is computed here rather than with lifelines'
  ``KaplanMeierFitter``: lifelines counts a subject entering at t as at risk at t, R's ``(start,
  stop]`` does not, and with entries rounded to 0.01 month and deaths recorded to 0.1 month such
  ties happen. For naive data the two agree (tested). Confidence intervals are R's
  ``conf.type="log-log"`` from the Greenwood variance (the same "exponential Greenwood" interval
  lifelines uses); medians and their CI follow R's ``quantile.survfit`` (midpoint rule on flat
  stretches at exactly 0.5).
* Log-rank: lifelines ``multivariate_logrank_test`` / ``logrank_test`` for naive data (= R's
  ``survdiff``). lifelines has no delayed entry, so truncated log-rank tests use
  :func:`logrank` on ``(entry, time]`` risk sets: O - E and the hypergeometric variance, i.e. the
  score test of the exact partial likelihood at beta = 0 (R: ``coxph(Surv(entry, time, event) ~
  group, ties = "exact")$score``; ``survdiff`` refuses counting-process data).
* Cox PH: lifelines ``CoxPHFitter`` (Efron ties; ``entry_col`` for truncation, whose risk sets are
  ``entry < t <= time`` like R's).
* PH test (:func:`cox_zph`): R's ``cox.zph`` (survival >= 3.0: a score test for adding
  ``x * g(t)`` terms, one per model term plus GLOBAL) with R's default ``km`` transform
  (g = 1 - left-continuous KM of the fitted sample, entry-aware). Implemented here because
  lifelines' ``proportional_hazard_test`` computes Schoenfeld residuals without delayed entry and
  uses the pre-3.0 approximation; its ``km`` version is reported beside ours for naive fits only.
* Concordance: scikit-survival's Harrell's C and Uno's C (IPCW, up to ``concordance_tau``), which
  know nothing of delayed entry (for truncated fits: computed on (time, event) of the fitted
  patients), plus ``harrell_c_at_risk`` (:func:`harrell_c_at_risk`): pairs comparable only when
  the longer-lived patient was at risk at the death time -- R's ``concordance()``, identical to
  Harrell's C for naive fits.
* Numbers at risk: the risk set at t itself (``entry < t <= time``); R's ``summary(times = t)``
  reports the risk set at its next curve time, which with delayed entry can be larger.
* Analysis tables (:func:`build_analysis_table`) count every exclusion (sequential attrition) and
  every data problem (negative or late entries, OS of 0, values differing between a patient's
  samples) in a warnings table; nothing is dropped silently. A model term whose level has no
  deaths is reported as not estimable (R: "coefficient may be infinite").

Reference values from R are in tests/reference/ (survival_reference.R); tests/test_survival.py
checks agreement.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, permutations
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc, ndtr, ndtri

from her2cohort.errors import DataError
from her2cohort.harmonize import zero_one_for

CATEGORY_ORDER = ("HER2-0", "HER2-low", "HER2-positive")
CONF_LEVEL = 0.95
Z = float(ndtri(1 - (1 - CONF_LEVEL) / 2))
TRUNCATIONS = ("none", "left")
WARNING_COLUMNS = ["analysis", "step", "check", "count", "action"]
#: the tables :func:`run_analysis` returns (one TSV each)
ANALYSIS_TABLES = ("km", "logrank", "cox", "contrasts", "models", "lrt", "ph_test")
COX_COLUMNS = ["term", "hr", "ci_low", "ci_high", "p", "n", "events", "model", "truncation"]
TOL = math.sqrt(np.finfo(float).eps)  # R's quantile.survfit tolerance


def chi2_sf(x: Any, df: Any) -> Any:
    """Upper tail of the chi-square distribution (scipy.special: no scipy.stats import cost)."""
    return chdtrc(df, x)


def norm_p(z: Any) -> Any:
    """Two-sided normal p-value."""
    return 2 * ndtr(-np.abs(z))


def read_table(path: Any) -> pd.DataFrame:
    """Read a TSV written by the pipeline (NA as missing) with exact float parsing.

    pandas' default C parser can be off by an ulp on 17-significant-digit numbers (R's output);
    ``round_trip`` parses every number exactly as written.
    """
    return pd.read_csv(path, sep="\t", na_values=["NA"], keep_default_na=False, float_precision="round_trip")


# --------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Settings:
    """The cohort-level ``survival:`` settings."""

    left_truncation: bool = False
    time_decimals: int = 2
    km_times: tuple[float, ...] = (12.0, 24.0, 60.0)
    concordance_tau: float | None = 120.0
    plot_max_months: float | None = None
    plot_step_months: float = 24.0

    @property
    def truncations(self) -> tuple[str, ...]:
        return TRUNCATIONS if self.left_truncation else ("none",)


@dataclass(frozen=True)
class Analysis:
    """One configured analysis (after sensitivity expansion)."""

    name: str
    title: str
    group_source: str  # "her2" or a clinical column
    levels: tuple[str, ...]  # first level = reference
    numeric: tuple[str, ...] = ()
    categorical: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # first = reference
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    models: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    comparisons: tuple[tuple[str, str], ...] = ()  # (reduced, full)
    her2_rule: str | None = None
    her2_zero_one: str | None = None
    her2_tissue: str = "primary"
    sensitivity_of: str | None = None

    @property
    def covariates(self) -> tuple[str, ...]:
        return tuple(self.categorical) + self.numeric

    @property
    def references(self) -> dict[str, str]:
        """Reference level of each categorical model term."""
        return {"group": self.levels[0], **{k: v[0] for k, v in self.categorical.items()}}


def settings_from_config(cfg: Mapping[str, Any] | None) -> Settings:
    cfg = cfg or {}
    return Settings(
        left_truncation=bool(cfg.get("left_truncation", False)),
        time_decimals=int(cfg.get("time_decimals", 2)),
        km_times=tuple(float(t) for t in cfg.get("km_times", (12, 24, 60))),
        concordance_tau=cfg.get("concordance_tau", 120.0),
        plot_max_months=cfg.get("plot_max_months"),
        plot_step_months=float(cfg.get("plot_step_months", 24)),
    )


def _analysis(name: str, spec: Mapping[str, Any], her2: Mapping[str, Any], override: Mapping[str, Any] | None = None,
              parent: str | None = None) -> Analysis:
    group = spec["group"]
    covs = spec.get("covariates") or {}
    numeric = tuple(k for k, v in covs.items() if v == "numeric")
    categorical = {k: tuple(str(x) for x in v) for k, v in covs.items() if v != "numeric"}
    models = {k: tuple(v) for k, v in (spec.get("models") or {"crude": ["group"]}).items()}
    known = {"group", *numeric, *categorical}
    for mname, terms in models.items():
        bad = [t for t in terms if t not in known]
        if bad:
            raise DataError(f"survival analysis {name}: model {mname} uses undeclared term(s) {', '.join(bad)}")
    comparisons = tuple((c["reduced"], c["full"]) for c in spec.get("comparisons") or [])
    for red, full in comparisons:
        if red not in models or full not in models:
            raise DataError(f"survival analysis {name}: comparison {red} vs {full} names an unknown model")
        if not set(models[red]) < set(models[full]):
            raise DataError(f"survival analysis {name}: model {red} is not nested in {full}")
    kw: dict[str, Any] = {}
    if "her2" in group:
        h = {**(group["her2"] or {}), **(override or {})}
        rule = h.get("rule", her2["default_rule"])
        kw = {
            "group_source": "her2",
            "her2_rule": rule,
            "her2_zero_one": h.get("zero_one_plus", zero_one_for(rule, her2["zero_one_plus"])),
            "her2_tissue": h.get("tissue", "primary"),
        }
    else:
        kw = {"group_source": group["column"]}
    title = spec.get("title", name)
    if override:
        title = f"{title} [{kw['her2_rule']}, 0-1+ {kw['her2_zero_one']}]"
    return Analysis(
        name=name,
        title=title,
        levels=tuple(str(x) for x in spec["levels"]),
        numeric=numeric,
        categorical=categorical,
        where={k: tuple(str(x) for x in v) for k, v in (spec.get("where") or {}).items()},
        models=models,
        comparisons=comparisons,
        sensitivity_of=parent,
        **kw,
    )


def expand_analyses(survival_cfg: Mapping[str, Any] | None, her2: Mapping[str, Any]) -> dict[str, Analysis]:
    """Configured analyses plus their HER2 sensitivity variants (``<name>__<rule>_<0-1+>``)."""
    out: dict[str, Analysis] = {}
    for name, spec in ((survival_cfg or {}).get("analyses") or {}).items():
        main = _analysis(name, spec, her2)
        out[name] = main
        for var in spec.get("sensitivity") or []:
            if main.group_source != "her2":
                raise DataError(f"survival analysis {name}: sensitivity variants need a HER2 group")
            sub = _analysis(name, spec, her2, var, parent=name)
            if (sub.her2_rule, sub.her2_zero_one) == (main.her2_rule, main.her2_zero_one):
                continue  # the variant is the main analysis itself
            sub_name = f"{name}__{sub.her2_rule}_{sub.her2_zero_one}"
            out[sub_name] = replace(sub, name=sub_name)
    return out


# ------------------------------------------------------------------------- analysis tables
def _warn(analysis: str, step: str, check: str, count: int, action: str) -> dict[str, Any]:
    return {"analysis": analysis, "step": step, "check": check, "count": int(count), "action": action}


def highest_category(categories: Iterable[Any]) -> str:
    """A patient's HER2 category over their samples: the highest known; unknown only if all unknown."""
    known = [c for c in categories if c in CATEGORY_ORDER]
    if not known:
        return "unknown"
    return max(known, key=CATEGORY_ORDER.index)


def patient_her2(categories: pd.DataFrame, rule: str, zero_one: str, tissue: str) -> pd.Series:
    """Per-patient HER2 category (index patient_id) from the long categories table."""
    sub = categories[
        (categories["rule"] == rule) & (categories["zero_one_plus"] == zero_one) & (categories["tissue"] == tissue)
    ]
    if sub.empty:
        raise DataError(f"HER2 categories: no rows for rule={rule}, 0-1+={zero_one}, tissue={tissue}")
    per_patient = sub.groupby(sub["patient_id"].astype(str))["her2_category"].agg(highest_category)
    return per_patient.rename("her2_category")


def patient_values(clinical: pd.DataFrame, column: str) -> tuple[pd.Series, int]:
    """One value per patient; patients whose samples disagree get <NA>. Returns (values, n_conflicts)."""
    vals = clinical[["patient_id", column]].dropna()
    vals = vals.assign(patient_id=vals["patient_id"].astype(str))
    nun = vals.groupby("patient_id")[column].nunique()
    first = vals.groupby("patient_id")[column].first()
    conflict = nun[nun > 1].index
    first = first.astype(object)
    first.loc[conflict] = pd.NA
    return first, len(conflict)


def entry_times(clinical: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Per patient: raw entry (min over samples of sequencing - diagnosis time), rounded, and clipped at 0."""
    d = clinical[["patient_id", "diagnosis_time", "sequencing_time"]].copy()
    d["patient_id"] = d["patient_id"].astype(str)
    d["raw"] = pd.to_numeric(d["sequencing_time"], errors="coerce") - pd.to_numeric(d["diagnosis_time"], errors="coerce")
    raw = d.groupby("patient_id")["raw"].min().round(decimals)
    return pd.DataFrame({"entry_raw": raw, "entry": raw.clip(lower=0.0)})


def build_analysis_table(
    clinical: pd.DataFrame, categories: pd.DataFrame | None, analysis: Analysis, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per analysed patient: patient_id, group, time, event, entry, covariates.

    Exclusions are sequential (each patient counted at the first check it fails) and every one is
    reported in the returned warnings table, together with non-excluding problems (negative entries
    clipped to 0, OS of 0, late entries dropped from truncated fits).
    """
    a = analysis.name
    rows: list[dict[str, Any]] = []
    pts = pd.Index(sorted(clinical["patient_id"].dropna().astype(str).unique()), name="patient_id")
    rows.append(_warn(a, "population", "patients in cohort", len(pts), "start"))
    frame = pd.DataFrame(index=pts)
    for col in ("os_months", "os_event"):
        vals, nconf = patient_values(clinical, col)
        frame[col] = pd.to_numeric(vals.reindex(pts), errors="coerce")
        if nconf:
            rows.append(_warn(a, "outcome", f"{col} differs between a patient's samples", nconf, "set to missing"))
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

    # exposure group
    if analysis.group_source == "her2":
        if categories is None:
            raise DataError(f"survival analysis {a}: needs the HER2 categories table")
        assert analysis.her2_rule and analysis.her2_zero_one
        grp = patient_her2(categories, analysis.her2_rule, analysis.her2_zero_one, analysis.her2_tissue)
        frame["group"] = grp.reindex(frame.index).astype(object)
        drop(frame["group"].isna() | (frame["group"] == "unknown"), "group", "HER2 category unknown")
    else:
        col = analysis.group_source
        vals, nconf = patient_values(clinical, col)
        if nconf:
            rows.append(_warn(a, "group", f"{col} differs between a patient's samples", nconf, "set to missing"))
        frame["group"] = vals.reindex(frame.index).astype(object)
        drop(frame["group"].isna(), "group", f"missing {col}")
    for value, n in frame.loc[~frame["group"].isin(analysis.levels), "group"].value_counts().sort_index().items():
        rows.append(_warn(a, "group", f"group {value} not in the analysis levels", n, "excluded"))
    frame = frame[frame["group"].isin(analysis.levels)]

    # restrictions and covariates
    needed = list(dict.fromkeys([*analysis.where, *analysis.categorical, *analysis.numeric]))
    for col in needed:
        vals, nconf = patient_values(clinical, col)
        if nconf:
            rows.append(_warn(a, "covariate", f"{col} differs between a patient's samples", nconf, "set to missing"))
        frame[col] = vals.reindex(frame.index)
    for col, allowed in analysis.where.items():
        drop(~frame[col].astype("string").isin(allowed).fillna(False), "restriction",
             f"{col} not in {{{', '.join(allowed)}}}", "outside the analysis population")
    for col in analysis.numeric:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
        drop(frame[col].isna(), "covariate", f"missing {col}")
    for col, levels in analysis.categorical.items():
        drop(frame[col].isna(), "covariate", f"missing {col}")
        drop(~frame[col].astype("string").isin(levels).fillna(False), "covariate",
             f"{col} not in {{{', '.join(levels)}}}")

    # entry (delayed entry at first sequencing)
    if settings.left_truncation:
        ent = entry_times(clinical, settings.time_decimals).reindex(frame.index)
        frame["entry"] = ent["entry"]
        rows.append(_warn(a, "entry", "missing entry (no diagnosis or sequencing time)",
                          int(frame["entry"].isna().sum()), "dropped from truncated fits"))
        rows.append(_warn(a, "entry", "negative entry (sequenced before diagnosis)",
                          int((ent["entry_raw"] < 0).sum()), "clipped to 0"))
        late = frame["entry"].notna() & (frame["entry"] >= frame["time"])
        rows.append(_warn(a, "entry", "late entry (entry not before last follow-up)", int(late.sum()),
                          "dropped from truncated fits"))
    else:
        frame["entry"] = np.nan
    frame["event"] = frame["event"].astype(int)
    n_events = int(frame["event"].sum())
    rows.append(_warn(a, "population", "patients analysed", len(frame), f"kept ({n_events} deaths)"))
    for lev in analysis.levels:
        rows.append(_warn(a, "population", f"group {lev}", int((frame["group"] == lev).sum()), "analysed"))
    out = frame.reset_index()[["patient_id", "group", "time", "event", "entry", *analysis.covariates]]
    return out, pd.DataFrame(rows, columns=WARNING_COLUMNS)


def fit_population(data: pd.DataFrame, truncation: str) -> pd.DataFrame:
    """The rows a fit uses: all for naive fits; entry known and before last follow-up for truncated."""
    if truncation == "none":
        return data
    keep = data["entry"].notna() & (data["entry"] < data["time"])
    return data[keep]


# ----------------------------------------------------------------------------- Kaplan-Meier
def _entry_array(entry: Any, n: int) -> np.ndarray:
    if entry is None:
        return np.full(n, -np.inf)
    return np.asarray(entry, dtype=float)


def _check_entry(time: np.ndarray, entry: np.ndarray) -> None:
    if np.any(entry >= time):
        raise ValueError("entry must be before time for every subject (drop late entries first)")


def kaplan_meier(time: Any, event: Any, entry: Any = None) -> pd.DataFrame:
    """KM curve with R's survfit semantics: one row per distinct time (events and censorings).

    Columns: time, n_risk, n_event, n_censor, surv, std_err (Greenwood, log scale), lower, upper
    (log-log, NaN where surv is 0 or 1, as in R).
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    s = _entry_array(entry, len(t))
    _check_entry(t, s)
    times = np.unique(t)
    ts, ss = np.sort(t), np.sort(s)
    n_risk = (len(t) - np.searchsorted(ts, times, "left")) - (len(s) - np.searchsorted(ss, times, "left"))
    d = np.bincount(np.searchsorted(times, t[e]), minlength=len(times)).astype(float)
    c = np.bincount(np.searchsorted(times, t[~e]), minlength=len(times)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(n_risk > 0, 1 - d / np.where(n_risk > 0, n_risk, 1), 1.0)
        surv = np.cumprod(frac)
        inc = np.where(d > 0, d / (n_risk * (n_risk - d)), 0.0)
        std = np.sqrt(np.cumsum(inc))
    lower, upper = loglog_ci(surv, std)
    return pd.DataFrame(
        {"time": times, "n_risk": n_risk, "n_event": d, "n_censor": c, "surv": surv, "std_err": std,
         "lower": lower, "upper": upper}
    )


def loglog_ci(surv: np.ndarray, std_err: np.ndarray, z: float = Z) -> tuple[np.ndarray, np.ndarray]:
    """R's survfit ``conf.type="log-log"`` bounds (NaN where surv is 0 or 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * std_err / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
    return lower, upper


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = TOL) -> float:
    """R's ``survival:::findq`` for one probability p, with x = c(0, times), y = c(0, 1 - curve).

    Duplicated y values are dropped (first kept; NA equal to NA), NA points are ignored; the answer
    is the first x where y reaches p, or the midpoint to the next x where y sits exactly (within
    tol) at p over a stretch, or the midpoint to the last time when the curve ends at p.
    """
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    xmax = x[-1]
    dups = pd.Series(y).duplicated().to_numpy()
    x, y = x[~dups], y[~dups]
    valid = np.nonzero(~np.isnan(y))[0]

    def approx_index(knots: np.ndarray) -> int | None:
        # approx(knots, 1:n, p, method="constant", f=1): NA outside, else the first knot >= p
        if p < knots[0] or p > knots[-1]:
            return None
        return int(valid[np.nonzero(knots >= p)[0][0]])

    i1 = approx_index(y[valid] + tol)
    i2 = approx_index(y[valid] - tol)
    quant = (x[i1] + x[i2]) / 2 if i1 is not None and i2 is not None else float("nan")
    if p == 0:
        quant = x[0]
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        quant = (x[i1] + xmax) / 2 if i1 is not None else float("nan")
    return float(quant)


def km_quantile(curve: pd.DataFrame, p: float = 0.5) -> tuple[float, float, float]:
    """Time at which the curve reaches 1 - p, and its CI from the log-log bands (R quantile.survfit)."""
    x = np.concatenate([[0.0], curve["time"].to_numpy(float)])
    q = _findq(x, np.concatenate([[0.0], 1 - curve["surv"].to_numpy(float)]), p)
    lo = _findq(x, np.concatenate([[0.0], 1 - curve["lower"].to_numpy(float)]), p)
    hi = _findq(x, np.concatenate([[0.0], 1 - curve["upper"].to_numpy(float)]), p)
    return q, lo, hi


def km_at(curve: pd.DataFrame, t: float) -> tuple[float, float, float]:
    """Survival and CI at time t, as R's ``summary(fit, times = t)``: the last step at or before t
    (before the first time 1 with a 1-1 interval; at a step where S is still 1, no interval, as R;
    NaN beyond the last follow-up time)."""
    times = curve["time"].to_numpy(float)
    if not len(times) or t > times[-1]:
        return float("nan"), float("nan"), float("nan")  # beyond follow-up (R: not reported)
    i = int(np.searchsorted(times, t, "right")) - 1
    if i < 0:
        return 1.0, 1.0, 1.0  # before the first time: R's summary.survfit reports a 1-1 interval
    row = curve.iloc[i]
    return float(row["surv"]), float(row["lower"]), float(row["upper"])


def number_at_risk(time: Any, entry: Any, at: Iterable[float]) -> np.ndarray:
    """Patients at risk at each time: entry < t <= time (t > 0); at t = 0 those entered by 0.

    For right-censored data this is R's ``summary(fit, times = t)$n.risk``. With delayed entry R
    reports the risk set at its next curve time after t, which also counts patients entering in
    between; this function gives the risk set at t itself.
    """
    t = np.asarray(time, dtype=float)
    s = _entry_array(entry, len(t))
    out = []
    for u in at:
        if u <= 0:
            out.append(int(np.sum((s <= u) & (t >= u))))
        else:
            out.append(int(np.sum((s < u) & (t >= u))))
    return np.array(out, dtype=int)


def km_table(data: pd.DataFrame, levels: Sequence[str], truncation: str, times: Sequence[float]) -> pd.DataFrame:
    """Per group (and all patients): n, events, median OS (95% CI), survival at `times`, at risk."""
    pop = fit_population(data, truncation)
    rows = []
    for grp in [*levels, "all"]:
        d = pop if grp == "all" else pop[pop["group"] == grp]
        row: dict[str, Any] = {"truncation": truncation, "group": grp, "n": len(d), "events": int(d["event"].sum())}
        if len(d):
            entry = d["entry"] if truncation == "left" else None
            curve = kaplan_meier(d["time"], d["event"], entry)
            row["median"], row["median_ci_low"], row["median_ci_high"] = km_quantile(curve)
            risk = number_at_risk(d["time"], entry, times)
            for t, r in zip(times, risk, strict=True):
                s, lo, hi = km_at(curve, t)
                row.update({f"surv_{t:g}": s, f"surv_{t:g}_ci_low": lo, f"surv_{t:g}_ci_high": hi, f"at_risk_{t:g}": int(r)})
        rows.append(row)
    return pd.DataFrame(rows)


# -------------------------------------------------------------------------------- log-rank
def logrank(time: Any, event: Any, group: Any, entry: Any = None) -> tuple[float, int, np.ndarray, np.ndarray]:
    """k-group log-rank test on (entry, time] risk sets: (chisq, df, observed, expected).

    The variance is the hypergeometric one of R's survdiff; with delayed entry this is the score test
    of the exact partial likelihood at beta = 0.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    s = _entry_array(entry, len(t))
    _check_entry(t, s)
    g = pd.Categorical(np.asarray(group))
    codes = g.codes
    k = len(g.categories)
    dtimes = np.unique(t[e])
    obs = np.zeros(k)
    exp_ = np.zeros(k)
    var = np.zeros((k, k))
    for u in dtimes:
        risk = (s < u) & (t >= u)
        dead = e & (t == u)
        n_g = np.bincount(codes[risk], minlength=k).astype(float)
        d_g = np.bincount(codes[dead], minlength=k).astype(float)
        n, d = n_g.sum(), d_g.sum()
        obs += d_g
        exp_ += d * n_g / n
        if n > 1:
            f = n_g / n
            var += d * (n - d) / (n - 1) * (np.diag(f) - np.outer(f, f))
    present = np.nonzero(np.bincount(codes, minlength=k))[0]
    diff = (obs - exp_)[present][1:]
    v = var[np.ix_(present, present)][1:, 1:]
    df = len(present) - 1
    if df < 1:
        return float("nan"), 0, obs, exp_
    chisq = float(diff @ np.linalg.solve(v, diff))
    return chisq, df, obs, exp_


def _holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def logrank_table(data: pd.DataFrame, levels: Sequence[str], truncation: str) -> pd.DataFrame:
    """Global and pairwise log-rank tests (pairwise p Holm-adjusted within the truncation)."""
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    pop = fit_population(data, truncation)
    present = [lev for lev in levels if (pop["group"] == lev).any()]
    rows = []

    def one(d: pd.DataFrame, label: str) -> dict[str, Any]:
        if truncation == "none":
            if d["group"].nunique() == 2:
                a, b = (d[d["group"] == x] for x in d["group"].unique())
                res = logrank_test(a["time"], b["time"], a["event"], b["event"])
            else:
                res = multivariate_logrank_test(d["time"], d["group"], d["event"])
            chisq, df, method = float(res.test_statistic), int(res.degrees_of_freedom), "lifelines log-rank"
        else:
            chisq, df, _, _ = logrank(d["time"], d["event"], d["group"], d["entry"])
            method = "log-rank on (entry, time] risk sets"
        return {"truncation": truncation, "comparison": label, "chisq": chisq, "df": df,
                "p": float(chi2_sf(chisq, df)), "n": len(d), "events": int(d["event"].sum()),
                "method": method}

    if len(present) >= 2:
        g = pop[pop["group"].isin(present)]
        rows.append(one(g, "global"))
        pair_rows = [one(pop[pop["group"].isin([a, b])], f"{b} vs {a}") for a, b in combinations(present, 2)]
        if pair_rows and len(present) > 2:
            for r, adj in zip(pair_rows, _holm([r["p"] for r in pair_rows]), strict=True):
                r["p_holm"] = adj
            rows += pair_rows
    out = pd.DataFrame(rows, columns=["truncation", "comparison", "chisq", "df", "p", "p_holm", "n", "events", "method"])
    return out


# ------------------------------------------------------------------------------------- Cox
def design_matrix(data: pd.DataFrame, analysis: Analysis, terms: Sequence[str]) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """Columns for a model: dummies ``var:level`` (reference = first level) and numeric columns.

    Returns (X, assign) where assign maps each model term to its column positions.
    """
    cols: dict[str, np.ndarray] = {}
    assign: dict[str, list[int]] = {}
    for term in terms:
        start = len(cols)
        if term == "group" or term in analysis.categorical:
            levels = analysis.levels if term == "group" else analysis.categorical[term]
            values = data[term].astype(str).to_numpy()
            for lev in levels[1:]:
                if (values == lev).any():
                    cols[f"{term}:{lev}"] = (values == lev).astype(float)
        else:
            cols[term] = pd.to_numeric(data[term]).to_numpy(float)
        assign[term] = list(range(start, len(cols)))
    return pd.DataFrame(cols, index=data.index), {k: v for k, v in assign.items() if v}


@dataclass
class CoxFit:
    model: str
    truncation: str
    params: pd.Series
    se: pd.Series
    cov: pd.DataFrame
    loglik: float
    loglik_null: float
    n: int
    events: int
    assign: dict[str, list[int]]
    X: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None
    notes: str = ""
    fitter: Any = None
    frame: pd.DataFrame | None = None
    #: dummy columns whose level has no deaths: the coefficient diverges (R: "may be infinite")
    not_estimable: tuple[str, ...] = ()

    @property
    def p(self) -> pd.Series:
        return pd.Series(norm_p((self.params / self.se).to_numpy()), index=self.params.index)

    @property
    def linear_predictor(self) -> np.ndarray:
        return self.X.to_numpy(float) @ self.params.to_numpy(float)


def fit_cox(data: pd.DataFrame, analysis: Analysis, model: str, truncation: str) -> CoxFit:
    """Cox PH with Efron ties (lifelines), with ``entry_col`` for left truncation."""
    from lifelines import CoxPHFitter

    pop = fit_population(data, truncation)
    X, assign = design_matrix(pop, analysis, analysis.models[model])
    df = X.copy()
    df["__time"] = pop["time"].to_numpy(float)
    df["__event"] = pop["event"].to_numpy(int)
    entry_col = None
    if truncation == "left":
        df["__entry"] = pop["entry"].to_numpy(float)
        entry_col = "__entry"
    cph = CoxPHFitter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cph.fit(df, duration_col="__time", event_col="__event", entry_col=entry_col,
                fit_options={"precision": 1e-10, "r_precision": 1e-14, "max_steps": 200})
    events = pop["event"].to_numpy(int)
    dummies = [c for c in X.columns if ":" in c]
    not_estimable = tuple(c for c in dummies if events[X[c].to_numpy() == 1].sum() == 0)
    messages = {str(w.message).splitlines()[0] for w in caught}
    messages |= {f"{c}: no deaths in this level, HR not estimable" for c in not_estimable}
    notes = "; ".join(sorted(messages))
    return CoxFit(
        model=model,
        truncation=truncation,
        params=cph.params_.copy(),
        se=cph.standard_errors_.copy(),
        cov=cph.variance_matrix_.copy(),
        loglik=float(cph.log_likelihood_),
        loglik_null=null_loglik(df["__time"], df["__event"], df["__entry"] if entry_col else None),
        n=len(pop),
        events=int(pop["event"].sum()),
        assign=assign,
        X=X,
        time=pop["time"].to_numpy(float),
        event=pop["event"].to_numpy(int),
        entry=pop["entry"].to_numpy(float) if truncation == "left" else None,
        notes=notes,
        fitter=cph,
        frame=df,
        not_estimable=not_estimable,
    )


def null_loglik(time: Any, event: Any, entry: Any = None) -> float:
    """Efron partial log-likelihood at beta = 0: minus the sum over death times of log(n - k), k < d."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    s = _entry_array(entry, len(t))
    total = 0.0
    for u, d in zip(*np.unique(t[e], return_counts=True), strict=True):
        n = int(np.sum((s < u) & (t >= u)))
        total -= float(np.sum(np.log(n - np.arange(d))))
    return total


def cox_table(fit: CoxFit) -> pd.DataFrame:
    """cox.tsv rows: term, hr, ci_low, ci_high, p, n, events, model, truncation."""
    b, se = fit.params, fit.se
    with np.errstate(over="ignore"):
        out = pd.DataFrame(
            {
                "term": b.index,
                "hr": np.exp(b.to_numpy()),
                "ci_low": np.exp((b - Z * se).to_numpy()),
                "ci_high": np.exp((b + Z * se).to_numpy()),
                "p": fit.p.to_numpy(),
                "n": fit.n,
                "events": fit.events,
                "model": fit.model,
                "truncation": fit.truncation,
            }
        )[COX_COLUMNS]
    out.loc[out["term"].isin(fit.not_estimable), ["hr", "ci_low", "ci_high", "p"]] = np.nan
    return out


def group_contrasts(fit: CoxFit, levels: Sequence[str]) -> pd.DataFrame:
    """HR of every group vs every other (from the model's coefficients and covariance)."""
    names = {lev: f"group:{lev}" for lev in levels}
    present = [lev for lev in levels if lev == levels[0] or names[lev] in fit.params.index]
    rows = []
    for a, b in permutations(present, 2):
        vec = pd.Series(0.0, index=fit.params.index)
        if a != levels[0]:
            vec[names[a]] += 1
        if b != levels[0]:
            vec[names[b]] -= 1
        est = float(vec @ fit.params)
        se = float(np.sqrt(vec @ fit.cov @ vec))
        if {names[a], names[b]} & set(fit.not_estimable):
            est = se = float("nan")
        with np.errstate(over="ignore"):
            hr, lo, hi = np.exp([est, est - Z * se, est + Z * se])
        rows.append({"model": fit.model, "truncation": fit.truncation, "group": a, "versus": b,
                     "hr": float(hr), "ci_low": float(lo), "ci_high": float(hi), "p": float(norm_p(est / se))})
    return pd.DataFrame(rows, columns=["model", "truncation", "group", "versus", "hr", "ci_low", "ci_high", "p"])


def harrell_c_at_risk(time: Any, event: Any, risk: Any, entry: Any = None) -> float:
    """Harrell's C over pairs comparable on the risk sets: (i, j) counts when i dies at t_i while j is
    at risk (entry_j < t_i <= t_j, j not dying at t_i); tied risks count 1/2. This is R's
    ``concordance()`` of a coxph fit (also for counting-process data); without entry it is the
    usual Harrell's C (scikit-survival's ``concordance_index_censored``)."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    r = np.asarray(risk, dtype=float)
    s = _entry_array(entry, len(t))
    conc = disc = tied = 0.0
    for i in np.nonzero(e)[0]:
        ok = (s < t[i]) & ((t > t[i]) | ((t == t[i]) & ~e))
        conc += float(np.sum(r[ok] < r[i]))
        disc += float(np.sum(r[ok] > r[i]))
        tied += float(np.sum(r[ok] == r[i]))
    total = conc + disc + tied
    return (conc + tied / 2) / total if total else float("nan")


def concordance(fit: CoxFit, tau: float | None) -> tuple[float, float]:
    """Harrell's C and Uno's C (scikit-survival) of the linear predictor (entry ignored)."""
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw
    from sksurv.util import Surv

    risk = fit.linear_predictor
    ev = fit.event.astype(bool)
    harrell = float(concordance_index_censored(ev, fit.time, risk)[0])
    y = Surv.from_arrays(ev, fit.time)
    try:
        uno = float(concordance_index_ipcw(y, y, risk, tau=tau)[0])
    except ValueError:
        uno = float("nan")
    return harrell, uno


def lr_test(reduced: CoxFit, full: CoxFit) -> dict[str, Any]:
    """Likelihood-ratio test of nested Cox models fitted to the same patients."""
    if reduced.n != full.n or reduced.truncation != full.truncation:
        raise ValueError("nested models must be fitted to the same patients")
    chisq = 2 * (full.loglik - reduced.loglik)
    df = len(full.params) - len(reduced.params)
    return {"truncation": full.truncation, "reduced": reduced.model, "full": full.model,
            "added": ", ".join(t for t in full.assign if t not in reduced.assign),
            "chisq": chisq, "df": df, "p": float(chi2_sf(chisq, df)), "n": full.n, "events": full.events}


def model_summary(fit: CoxFit, tau: float | None) -> dict[str, Any]:
    harrell, uno = concordance(fit, tau)
    at_risk = harrell_c_at_risk(fit.time, fit.event, fit.linear_predictor, fit.entry)
    chisq = 2 * (fit.loglik - fit.loglik_null)
    df = len(fit.params)
    return {"model": fit.model, "truncation": fit.truncation, "n": fit.n, "events": fit.events,
            "terms": " + ".join(fit.assign), "loglik": fit.loglik, "loglik_null": fit.loglik_null,
            "lr_chisq": chisq, "lr_df": df, "lr_p": float(chi2_sf(chisq, df)),
            "aic": -2 * fit.loglik + 2 * df, "harrell_c": harrell, "harrell_c_at_risk": at_risk, "uno_c": uno,
            "uno_tau": tau, "notes": fit.notes}


# --------------------------------------------------------------------------------- PH test
def _km_transform(time: np.ndarray, event: np.ndarray, entry: np.ndarray | None) -> np.ndarray:
    """R cox.zph 'km' transform: 1 - KM(t-) of the pooled fitted sample, per subject."""
    curve = kaplan_meier(time, event, entry)
    idx = np.searchsorted(curve["time"].to_numpy(float), time, "left")  # curve times strictly < t
    surv = np.concatenate([[1.0], curve["surv"].to_numpy(float)])
    return 1 - surv[idx]


def cox_zph(fit: CoxFit) -> pd.DataFrame:
    """Scaled-Schoenfeld PH test as R's cox.zph (survival >= 3.0), transform 'km', Efron ties.

    For each time-fixed covariate x the model is extended with x * g(t), g = km transform centred
    on the events; the test is the score test for those terms at (beta-hat, 0), per model term and
    GLOBAL. Risk sets are the fit's (entry-aware).
    """
    X = fit.X.to_numpy(float)
    X = X - X.mean(axis=0)
    beta = fit.params.to_numpy(float)
    p = X.shape[1]
    t, e = fit.time, fit.event.astype(bool)
    s = _entry_array(fit.entry, len(t))
    g = _km_transform(t, e, fit.entry)
    gt = g - g[e].mean()
    w = np.exp(X @ beta)
    u = np.zeros(p)
    ibb, ibg, igg = np.zeros((p, p)), np.zeros((p, p)), np.zeros((p, p))
    order = np.argsort(t[e], kind="stable")
    dtimes = np.unique(t[e][order])
    for tt in dtimes:
        risk = (s < tt) & (t >= tt)
        dead = e & (t == tt)
        gk = gt[dead][0]
        xr, wr = X[risk], w[risk]
        xd, wd = X[dead], w[dead]
        s0, s1, s2 = wr.sum(), wr @ xr, xr.T @ (wr[:, None] * xr)
        d0, d1, d2 = wd.sum(), wd @ xd, xd.T @ (wd[:, None] * xd)
        nd = int(dead.sum())
        msum = np.zeros(p)
        vsum = np.zeros((p, p))
        for k in range(nd):
            f = k / nd
            den = s0 - f * d0
            m = (s1 - f * d1) / den
            msum += m
            vsum += (s2 - f * d2) / den - np.outer(m, m)
        u += gk * (xd.sum(axis=0) - msum)
        ibb += vsum
        ibg += gk * vsum
        igg += gk * gk * vsum
    imat = np.block([[ibb, ibg], [ibg.T, igg]])
    rows = []

    def score(cols: list[int]) -> float:
        kk = list(range(p)) + [p + j for j in cols]
        uu = np.concatenate([np.zeros(p), u[cols]])
        return float(uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu))

    for term, cols in fit.assign.items():
        chisq = score(cols)
        rows.append({"term": term, "chisq": chisq, "df": len(cols)})
    if p:
        rows.append({"term": "GLOBAL", "chisq": score(list(range(p))), "df": p})
    out = pd.DataFrame(rows)
    out["p"] = chi2_sf(out["chisq"].to_numpy(float), out["df"].to_numpy(float))
    out.insert(0, "truncation", fit.truncation)
    out.insert(0, "model", fit.model)
    out["method"] = "cox.zph score test (R survival >= 3.0)"
    out["transform"] = "km"
    return out


def lifelines_ph_test(fit: CoxFit) -> pd.DataFrame:
    """lifelines' proportional_hazard_test, time_transform='km', per column; naive fits only (its
    Schoenfeld residuals ignore delayed entry)."""
    from lifelines.statistics import proportional_hazard_test

    if fit.truncation != "none" or fit.fitter is None:
        return pd.DataFrame()
    res = proportional_hazard_test(fit.fitter, fit.frame, time_transform="km").summary
    return pd.DataFrame({"model": fit.model, "truncation": fit.truncation, "term": res.index.astype(str),
                         "chisq": res["test_statistic"].to_numpy(), "df": 1, "p": res["p"].to_numpy(),
                         "method": "lifelines proportional_hazard_test (pre-3.0 cox.zph approximation)",
                         "transform": "km"})


# ------------------------------------------------------------------------------- the whole
def run_analysis(data: pd.DataFrame, analysis: Analysis, settings: Settings) -> dict[str, pd.DataFrame]:
    """All tables of one analysis: km, logrank, cox, contrasts, models, lrt, ph_test."""
    out: dict[str, list[pd.DataFrame]] = {k: [] for k in ("km", "logrank", "cox", "contrasts", "ph_test")}
    models, lrts = [], []
    for trunc in settings.truncations:
        out["km"].append(km_table(data, analysis.levels, trunc, settings.km_times))
        out["logrank"].append(logrank_table(data, analysis.levels, trunc))
        fits = {}
        for mname in analysis.models:
            fit = fit_cox(data, analysis, mname, trunc)
            fits[mname] = fit
            out["cox"].append(cox_table(fit))
            out["contrasts"].append(group_contrasts(fit, analysis.levels))
            models.append(model_summary(fit, settings.concordance_tau))
            out["ph_test"].append(cox_zph(fit))
            out["ph_test"].append(lifelines_ph_test(fit))
        for red, full in analysis.comparisons:
            lrts.append(lr_test(fits[red], fits[full]))
    tables = {k: pd.concat([f for f in v if len(f)], ignore_index=True) for k, v in out.items()}
    tables["models"] = pd.DataFrame(models)
    tables["lrt"] = pd.DataFrame(
        lrts, columns=["truncation", "reduced", "full", "added", "chisq", "df", "p", "n", "events"]
    )
    return tables


# ---------------------------------------------------------------------------------- claims
CLAIM_COLUMNS = [
    "claim_id", "claim", "analysis", "model", "truncation", "primary", "estimate_of", "estimate",
    "ci_low", "ci_high", "p", "test", "verdict", "reason", "rule",
]


def _within(lo: float, hi: float, margin: Sequence[float]) -> bool:
    return bool(margin[0] <= lo and hi <= margin[1])


def verdict_difference(hr: float, lo: float, hi: float, p: float, alpha: float, margin: Sequence[float]) -> tuple[str, str]:
    """'A differs from B': supported if p < alpha; contradicted if the CI lies inside the equivalence margin."""
    if p < alpha:
        return "supported", f"p = {p:.3g} < {alpha:g}; HR {hr:.2f} ({lo:.2f}-{hi:.2f})"
    if _within(lo, hi, margin):
        return "contradicted", f"95% CI {lo:.2f}-{hi:.2f} inside the equivalence margin {margin[0]:g}-{margin[1]:g}"
    return "inconclusive", f"p = {p:.3g} >= {alpha:g} but CI {lo:.2f}-{hi:.2f} not inside {margin[0]:g}-{margin[1]:g}"


def verdict_no_added_value(lr_p: float, lo: float, hi: float, alpha: float, margin: Sequence[float]) -> tuple[str, str]:
    """'X adds nothing': contradicted if the LR test rejects; supported if not and the CI is inside the margin."""
    if lr_p < alpha:
        return "contradicted", f"likelihood-ratio p = {lr_p:.3g} < {alpha:g}"
    if _within(lo, hi, margin):
        return "supported", f"LR p = {lr_p:.3g} and 95% CI {lo:.2f}-{hi:.2f} inside {margin[0]:g}-{margin[1]:g}"
    return "inconclusive", f"LR p = {lr_p:.3g} >= {alpha:g} but CI {lo:.2f}-{hi:.2f} not inside {margin[0]:g}-{margin[1]:g} (absence of evidence)"


def verdict_worst_group(contrasts: pd.DataFrame, group: str, alpha: float) -> tuple[str, str, pd.Series]:
    """'group has the worst OS': supported if its HR vs every other group is > 1 with p < alpha;
    contradicted if some group is significantly worse (HR of group vs it < 1, p < alpha); else
    inconclusive. Returns (verdict, reason, the deciding contrast row)."""
    c = contrasts[contrasts["group"] == group]
    if c.empty:
        raise DataError(f"claim: group {group} has no contrasts")
    worse = c[(c["hr"] < 1) & (c["p"] < alpha)]
    if len(worse):
        row = worse.sort_values("hr").iloc[0]
        return "contradicted", f"{row['versus']} has significantly worse OS than {group} (p = {row['p']:.3g})", row
    weakest = c.sort_values(["hr"]).iloc[0]  # the closest competitor
    if ((c["hr"] > 1) & (c["p"] < alpha)).all():
        return "supported", f"HR > 1 with p < {alpha:g} against every other group", weakest
    if (c["hr"] > 1).all():
        why = f"highest point estimate, but not significantly worse than {weakest['versus']} (p = {weakest['p']:.3g})"
    else:
        why = f"not the highest point estimate: {weakest['versus']} has HR {1 / weakest['hr']:.2f} vs {group} (p = {weakest['p']:.3g})"
    return "inconclusive", why, weakest


def rule_text(rule: Mapping[str, Any]) -> str:
    kind = rule["kind"]
    alpha = rule.get("alpha", 0.05)
    margin = rule.get("equivalence", [0.8, 1.25])
    if kind == "difference":
        return (f"supported if Wald p < {alpha:g} for {rule['term']}; contradicted if its 95% CI lies within "
                f"{margin[0]:g}-{margin[1]:g}; otherwise inconclusive")
    if kind == "no_added_value":
        return (f"contradicted if the LR test for adding {rule['term'].split(':')[0]} has p < {alpha:g}; supported if "
                f"not and the 95% CI of {rule['term']} lies within {margin[0]:g}-{margin[1]:g}; otherwise inconclusive")
    if kind == "worst_group":
        return (f"supported if {rule['group']} has HR > 1 with p < {alpha:g} against every other group; contradicted if "
                f"any group is significantly worse; otherwise inconclusive")
    raise DataError(f"unknown claim rule kind {kind!r}")


def evaluate_claim(claim_id: str, claim: Mapping[str, Any], tables: Mapping[str, Mapping[str, pd.DataFrame]],
                   truncations: Sequence[str]) -> list[dict[str, Any]]:
    """Claim rows (one per available truncation; ``primary`` marks the configured one).

    ``tables[analysis]`` holds that analysis' cox, contrasts and lrt tables.
    """
    rule = claim["rule"]
    kind = rule["kind"]
    alpha = float(rule.get("alpha", 0.05))
    margin = [float(x) for x in rule.get("equivalence", [0.8, 1.25])]
    analysis, model = claim["analysis"], claim["model"]
    if analysis not in tables:
        raise DataError(f"claim {claim_id}: analysis {analysis} is not configured")
    t = tables[analysis]
    primary = claim.get("truncation", "left" if "left" in truncations else "none")
    rows = []
    for trunc in truncations:
        base = {"claim_id": claim_id, "claim": claim["claim"], "analysis": analysis, "model": model,
                "truncation": trunc, "primary": trunc == primary, "rule": rule_text(rule)}
        if kind in ("difference", "no_added_value"):
            cox = t["cox"]
            r = cox[(cox["model"] == model) & (cox["truncation"] == trunc) & (cox["term"] == rule["term"])]
            if r.empty:
                raise DataError(f"claim {claim_id}: no {rule['term']} in model {model} ({trunc})")
            r = r.iloc[0]
            base.update({"estimate_of": f"HR {rule['term']}", "estimate": r["hr"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"]})
            if kind == "difference":
                verdict, why = verdict_difference(r["hr"], r["ci_low"], r["ci_high"], r["p"], alpha, margin)
                base.update({"p": r["p"], "test": "Wald"})
            else:
                red, full = rule["comparison"]
                lrt = t["lrt"]
                lr = lrt[(lrt["reduced"] == red) & (lrt["full"] == full) & (lrt["truncation"] == trunc)]
                if lr.empty:
                    raise DataError(f"claim {claim_id}: no LR test {red} vs {full} configured")
                lr_p = float(lr["p"].iloc[0])
                verdict, why = verdict_no_added_value(lr_p, r["ci_low"], r["ci_high"], alpha, margin)
                base.update({"p": lr_p, "test": f"likelihood ratio ({red} vs {full})"})
        elif kind == "worst_group":
            con = t["contrasts"]
            con = con[(con["model"] == model) & (con["truncation"] == trunc)]
            verdict, why, row = verdict_worst_group(con, rule["group"], alpha)
            base.update({"estimate_of": f"HR {row['group']} vs {row['versus']}", "estimate": row["hr"],
                         "ci_low": row["ci_low"], "ci_high": row["ci_high"], "p": row["p"],
                         "test": "Wald (contrast)"})
        else:
            raise DataError(f"claim {claim_id}: unknown rule kind {kind!r}")
        base.update({"verdict": verdict, "reason": why})
        rows.append(base)
    return rows


def claims_table(claims_cfg: Mapping[str, Any] | None, tables: Mapping[str, Mapping[str, pd.DataFrame]],
                 truncations: Sequence[str]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for cid, claim in (claims_cfg or {}).items():
        rows += evaluate_claim(cid, claim, tables, truncations)
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def claim_analyses(claims_cfg: Mapping[str, Any] | None) -> list[str]:
    return sorted({c["analysis"] for c in (claims_cfg or {}).values()})
