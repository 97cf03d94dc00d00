"""Survival: agreement with R's survival package (reference numbers in tests/reference/, made by
survival_reference.R from the fixture tables there) and unit tests on small hand-built frames."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError

REF = Path(__file__).resolve().parent / "reference"
REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------ R reference values
@functools.cache
def spec() -> pd.DataFrame:
    return pd.read_csv(REF / "models.tsv", sep="\t", keep_default_na=False, dtype=str)


@functools.cache
def r_table(name: str) -> pd.DataFrame:
    return sv.read_table(REF / f"r_{name}.tsv")


@functools.cache
def fixture(cohort: str, analysis: str) -> tuple[sv.Analysis, pd.DataFrame, tuple[str, ...]]:
    rows = spec()[(spec()["cohort"] == cohort) & (spec()["analysis"] == analysis)]
    first = rows.iloc[0]
    levels = {k: tuple(v.split("|")) for k, v in (kv.split("=") for kv in first["levels"].split(";"))}
    models = {m: tuple(t.split("+")) for m, t in zip(rows["model"], rows["terms"], strict=True)}
    used = {t for terms in models.values() for t in terms}
    comparisons = tuple(tuple(c.split("<")) for c in first["comparisons"].split(";") if c)
    a = sv.Analysis(
        name=analysis,
        title=analysis,
        group_source="group",
        levels=levels["group"],
        numeric=tuple(sorted(used - set(levels))),
        categorical={k: v for k, v in levels.items() if k != "group"},
        models=models,
        comparisons=comparisons,  # type: ignore[arg-type]
    )
    return a, sv.read_table(REF / first["file"]), tuple(first["truncations"].split(","))


@functools.cache
def cox_fit(cohort: str, analysis: str, model: str, truncation: str) -> sv.CoxFit:
    a, data, _ = fixture(cohort, analysis)
    return sv.fit_cox(data, a, model, truncation)


def _cases(per_model: bool) -> list[tuple[str, ...]]:
    out = []
    for (cohort, analysis), rows in spec().groupby(["cohort", "analysis"], sort=False):
        for trunc in rows.iloc[0]["truncations"].split(","):
            if per_model:
                out += [(cohort, analysis, m, trunc) for m in rows["model"]]
            else:
                out.append((cohort, analysis, trunc))
    return out


def _r(name: str, **keys: str) -> pd.DataFrame:
    t = r_table(name)
    for k, v in keys.items():
        t = t[t[k] == v]
    assert len(t), f"no R reference rows in r_{name}.tsv for {keys}"
    return t


MODEL_CASES = _cases(per_model=True)
ANALYSIS_CASES = _cases(per_model=False)


@pytest.mark.parametrize("cohort,analysis,model,truncation", MODEL_CASES)
def test_cox_matches_r(cohort, analysis, model, truncation):
    fit = cox_fit(cohort, analysis, model, truncation)
    r = _r("cox", cohort=cohort, analysis=analysis, model=model, truncation=truncation).set_index("term")
    assert list(fit.params.index) == list(r.index)
    np.testing.assert_allclose(fit.params.to_numpy(), r["coef"].to_numpy(), rtol=0, atol=1e-4)
    np.testing.assert_allclose(fit.se.to_numpy(), r["se"].to_numpy(), rtol=1e-4)
    table = sv.cox_table(fit).set_index("term")
    np.testing.assert_allclose(table["hr"], r["hr"], rtol=1e-4)
    np.testing.assert_allclose(table["ci_low"], r["ci_low"], rtol=1e-4)
    np.testing.assert_allclose(table["ci_high"], r["ci_high"], rtol=1e-4)
    np.testing.assert_allclose(table["p"], r["p"], rtol=1e-3, atol=1e-12)
    assert (table["n"] == r["n"]).all() and (table["events"] == r["events"]).all()
    m = _r("models", cohort=cohort, analysis=analysis, model=model, truncation=truncation).iloc[0]
    assert fit.loglik == pytest.approx(m["loglik"], abs=1e-6)
    assert fit.loglik_null == pytest.approx(m["loglik_null"], abs=1e-8)
    # R's concordance() counts pairs on the risk sets (entry-aware for counting-process data)
    assert sv.harrell_c_at_risk(fit.time, fit.event, fit.linear_predictor, fit.entry) == pytest.approx(
        m["concordance"], abs=1e-9
    )


@pytest.mark.parametrize("cohort,analysis,model,truncation", MODEL_CASES)
def test_ph_test_matches_r_cox_zph(cohort, analysis, model, truncation):
    ours = sv.cox_zph(cox_fit(cohort, analysis, model, truncation)).set_index("term")
    r = _r("zph", cohort=cohort, analysis=analysis, model=model, truncation=truncation).set_index("term")
    assert list(ours.index) == list(r.index)
    assert (ours["df"] == r["df"]).all()
    np.testing.assert_allclose(ours["chisq"], r["chisq"], rtol=1e-4)


@pytest.mark.parametrize("cohort,analysis,truncation", ANALYSIS_CASES)
def test_km_matches_r(cohort, analysis, truncation):
    a, data, _ = fixture(cohort, analysis)
    times = (12.0, 24.0, 60.0)
    ours = sv.km_table(data, a.levels, truncation, times).set_index("group")
    r = _r("km", cohort=cohort, analysis=analysis, truncation=truncation).set_index("group")
    ours = ours.loc[r.index]
    assert (ours["n"] == r["n"]).all() and (ours["events"] == r["events"]).all()
    for col in ["median", "median_ci_low", "median_ci_high"]:  # exactly: data times or midpoints
        pd.testing.assert_series_equal(ours[col].astype(float), r[col].astype(float), check_exact=True)
    for t in ("12", "24", "60"):
        for col in (f"surv_{t}", f"surv_{t}_ci_low", f"surv_{t}_ci_high"):
            np.testing.assert_allclose(ours[col].astype(float), r[col].astype(float), rtol=0, atol=1e-12)
        risk = ours[f"at_risk_{t}"].astype(float)
        expected = r[f"at_risk_{t}"].astype(float)
        if truncation == "left":
            # R reports the risk set at its next curve time >= t, which also counts patients entering
            # in [t, that time); ours is the risk set at t itself (entry < t <= time).
            pop = sv.fit_population(data, "left")
            for grp in ours.index:
                d = pop if grp == "all" else pop[pop["group"] == grp]
                curve = sv.kaplan_meier(d["time"], d["event"], d["entry"])
                later = curve["time"][curve["time"] >= float(t)]
                if len(later):
                    late = ((d["entry"] >= float(t)) & (d["entry"] < later.iloc[0])).sum()
                    expected[grp] -= late
        np.testing.assert_array_equal(risk.to_numpy(), expected.to_numpy())


@pytest.mark.parametrize("cohort,analysis,truncation", ANALYSIS_CASES)
def test_logrank_matches_r(cohort, analysis, truncation):
    """Naive: R's survdiff. Left-truncated: survdiff refuses (start, stop] data, so the reference is
    the score test of coxph(Surv(entry, time, event) ~ group, ties = "exact") -- the log-rank
    statistic on (entry, time] risk sets (for naive data R gives the two identical numbers)."""
    a, data, _ = fixture(cohort, analysis)
    ours = sv.logrank_table(data, a.levels, truncation).set_index("comparison")
    method = "survdiff" if truncation == "none" else "coxph exact score"
    r = _r("logrank", cohort=cohort, analysis=analysis, truncation=truncation, method=method)
    r = r.set_index("comparison")
    assert set(ours.index) == set(r.index)
    ours = ours.loc[r.index]
    np.testing.assert_allclose(ours["chisq"], r["chisq"], rtol=1e-9)
    assert (ours["df"] == r["df"]).all()
    assert (ours["n"] == r["n"]).all() and (ours["events"] == r["events"]).all()
    # and our own (entry-aware) implementation agrees with lifelines/survdiff on naive data
    if truncation == "none":
        pop = data[data["group"].isin(a.levels)]
        chisq, df, _, _ = sv.logrank(pop["time"], pop["event"], pop["group"])
        assert chisq == pytest.approx(r.loc["global", "chisq"], rel=1e-9)


def test_lr_test_matches_r():
    for row in r_table("lrt").itertuples():
        red = cox_fit(row.cohort, row.analysis, row.reduced, row.truncation)
        full = cox_fit(row.cohort, row.analysis, row.full, row.truncation)
        lr = sv.lr_test(red, full)
        assert lr["chisq"] == pytest.approx(row.chisq, abs=1e-5)
        assert lr["df"] == row.df
        assert lr["p"] == pytest.approx(row.p, rel=1e-4)


def test_scikit_survival_harrell_equals_r_on_naive_fits():
    for cohort, analysis, model, trunc in MODEL_CASES:
        if trunc != "none":
            continue
        fit = cox_fit(cohort, analysis, model, trunc)
        harrell, uno = sv.concordance(fit, 120.0)
        m = _r("models", cohort=cohort, analysis=analysis, model=model, truncation=trunc).iloc[0]
        assert harrell == pytest.approx(m["concordance"], abs=1e-9)
        assert 0.4 < uno < 0.8


def test_run_analysis_tables_have_the_documented_columns():
    a, data, truncs = fixture("breast_msk_2018", "her2_hrpos")
    settings = sv.Settings(left_truncation=True)
    tables = sv.run_analysis(data, a, settings)
    assert set(tables) == set(sv.ANALYSIS_TABLES)
    assert list(tables["cox"].columns) == ["term", "hr", "ci_low", "ci_high", "p", "n", "events", "model",
                                           "truncation"]
    assert set(tables["cox"]["truncation"]) == {"none", "left"}
    assert set(tables["ph_test"]["term"]) >= {"group", "age", "GLOBAL"}
    assert tables["models"]["loglik"].notna().all()


# --------------------------------------------------------------------------- Kaplan-Meier
def test_km_by_hand_with_delayed_entry_ties():
    # subject 3 enters exactly at t = 2 (a death time): not at risk at 2 ((entry, time] risk sets)
    km = sv.kaplan_meier(time=[2, 3, 5, 4], event=[1, 1, 0, 1], entry=[0, 0, 2, 1])
    assert km["time"].tolist() == [2, 3, 4, 5]
    assert km["n_risk"].tolist() == [3, 3, 2, 1]
    np.testing.assert_allclose(km["surv"], [2 / 3, 2 / 3 * 2 / 3, 2 / 3 * 2 / 3 * 1 / 2, 2 / 9])


def test_km_naive_matches_lifelines():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(1)
    t = np.round(rng.exponential(20, 300), 1)
    e = rng.random(300) < 0.6
    ours = sv.kaplan_meier(t, e).set_index("time")
    kmf = KaplanMeierFitter().fit(t, e)
    sf = kmf.survival_function_["KM_estimate"].reindex(ours.index)
    np.testing.assert_allclose(ours["surv"], sf, rtol=1e-12)
    ci = kmf.confidence_interval_.reindex(ours.index)
    ok = (ours["surv"] < 1) & (ours["surv"] > 0)
    np.testing.assert_allclose(ours.loc[ok, "lower"], ci.loc[ok].iloc[:, 0], rtol=1e-10)
    np.testing.assert_allclose(ours.loc[ok, "upper"], ci.loc[ok].iloc[:, 1], rtol=1e-10)


def test_km_median_midpoint_rule():
    # S drops to exactly 0.5 at t = 4 and stays until the death at t = 6: R's median is (4 + 6) / 2
    km = sv.kaplan_meier([1, 4, 5, 6], [1, 1, 0, 1])
    assert km.loc[km["time"] == 4, "surv"].iloc[0] == pytest.approx(0.5)
    assert sv.km_quantile(km)[0] == 5.0
    # not reached
    assert np.isnan(sv.km_quantile(sv.kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0]))[0])


def test_number_at_risk_counts_entered_patients_only():
    # entering at t is not yet at risk at t; leaving at t still is
    n = sv.number_at_risk(time=[10, 20, 30], entry=[0, 5, 15], at=[0, 5, 10, 15, 25])
    assert n.tolist() == [1, 1, 2, 1, 1]
    assert sv.number_at_risk([0, 10], None, [0]).tolist() == [2]


def test_logrank_truncated_needs_entry_before_time():
    with pytest.raises(ValueError, match="entry must be before time"):
        sv.logrank([1, 2], [1, 1], ["a", "b"], entry=[0, 2])


# ----------------------------------------------------------------- analysis tables, entry
def _clinical(rows: list[dict]) -> pd.DataFrame:
    base = {"primary_hr_status": "positive", "age": 50.0, "os_event": 1.0, "diagnosis_time": 100.0}
    return pd.DataFrame([{**base, **r} for r in rows])


def _categories(pairs: list[tuple[str, str, str]], tissue: str = "primary") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"sample_id": s, "patient_id": p, "rule": "asco_cap_2018", "zero_one_plus": "zero",
             "tissue": tissue, "her2_category": c, "discordant": False}
            for s, p, c in pairs
        ]
    )


HER2_ANALYSIS = sv.Analysis(
    name="t", title="t", group_source="her2", levels=("HER2-0", "HER2-low", "HER2-positive"),
    numeric=("age",), categorical={"primary_hr_status": ("positive", "negative")},
    models={"adjusted": ("group", "age", "primary_hr_status")}, her2_rule="asco_cap_2018",
    her2_zero_one="zero",
)


def test_highest_category_per_patient():
    assert sv.highest_category(["HER2-0", "HER2-low"]) == "HER2-low"
    assert sv.highest_category(["unknown", "HER2-0"]) == "HER2-0"
    assert sv.highest_category(["HER2-positive", "HER2-low", "unknown"]) == "HER2-positive"
    assert sv.highest_category(["unknown", "unknown"]) == "unknown"
    cats = _categories([("s1", "A", "HER2-0"), ("s2", "A", "HER2-low"), ("s3", "B", "unknown"),
                        ("s4", "B", "HER2-0"), ("s5", "C", "unknown")])
    other = _categories([("s1", "A", "HER2-positive")], tissue="sequenced")  # another tissue: ignored
    got = sv.patient_her2(pd.concat([cats, other]), "asco_cap_2018", "zero", "primary")
    assert got.to_dict() == {"A": "HER2-low", "B": "HER2-0", "C": "unknown"}


def test_entry_is_first_sequencing_rounded_and_clipped():
    clin = _clinical([
        {"patient_id": "A", "sample_id": "a1", "diagnosis_time": 444.87, "sequencing_time": 445.0},
        {"patient_id": "A", "sample_id": "a2", "diagnosis_time": 444.87, "sequencing_time": 460.0},
        {"patient_id": "B", "sample_id": "b1", "diagnosis_time": 100.4, "sequencing_time": 100.0},
    ])
    e = sv.entry_times(clin, 2)
    assert e.loc["A", "entry"] == 0.13  # not 0.12999999999998
    assert e.loc["B", "entry_raw"] == -0.4 and e.loc["B", "entry"] == 0.0


def test_analysis_table_counts_every_exclusion_and_late_entry():
    clin = _clinical([
        # kept, entry 2.0
        {"patient_id": "A", "sample_id": "a1", "sequencing_time": 102.0, "os_months": 30.0},
        # late entry: sequenced 40 months after diagnosis, followed 30 -> dropped from truncated fits
        {"patient_id": "B", "sample_id": "b1", "sequencing_time": 140.0, "os_months": 30.0},
        # negative entry (sequenced before diagnosis) -> clipped to 0
        {"patient_id": "C", "sample_id": "c1", "sequencing_time": 99.5, "os_months": 12.0, "os_event": 0.0},
        # missing OS status
        {"patient_id": "D", "sample_id": "d1", "sequencing_time": 101.0, "os_months": 12.0, "os_event": np.nan},
        # HER2 unknown
        {"patient_id": "E", "sample_id": "e1", "sequencing_time": 101.0, "os_months": 12.0},
        # HR status missing
        {"patient_id": "F", "sample_id": "f1", "sequencing_time": 101.0, "os_months": 12.0,
         "primary_hr_status": None},
        # OS of 0: kept for naive fits, a late entry for truncated ones
        {"patient_id": "G", "sample_id": "g1", "sequencing_time": 100.0, "os_months": 0.0},
    ])
    cats = _categories([("a1", "A", "HER2-low"), ("b1", "B", "HER2-0"), ("c1", "C", "HER2-positive"),
                        ("d1", "D", "HER2-0"), ("e1", "E", "unknown"), ("f1", "F", "HER2-0"),
                        ("g1", "G", "HER2-0")])
    data, warn = sv.build_analysis_table(clin, cats, HER2_ANALYSIS, sv.Settings(left_truncation=True))
    assert data["patient_id"].tolist() == ["A", "B", "C", "G"]
    assert list(data.columns) == ["patient_id", "group", "time", "event", "entry", "primary_hr_status", "age"]
    assert data.set_index("patient_id")["entry"].to_dict() == {"A": 2.0, "B": 40.0, "C": 0.0, "G": 0.0}
    count = warn.set_index("check")["count"]
    assert count["missing OS time or status"] == 1
    assert count["HER2 category unknown"] == 1
    assert count["missing primary_hr_status"] == 1
    assert count["negative entry (sequenced before diagnosis)"] == 1
    assert count["late entry (entry not before last follow-up)"] == 2  # B and G
    assert count["OS time of 0"] == 1
    assert count["patients analysed"] == 4
    assert sv.fit_population(data, "left")["patient_id"].tolist() == ["A", "C"]
    assert len(sv.fit_population(data, "none")) == 4


def test_analysis_table_restriction_and_levels():
    a = sv.Analysis(name="sub", title="sub", group_source="subtype", levels=("Her2", "Basal"),
                    numeric=("age",), where={"her2_status": ("positive",)}, models={"m": ("group", "age")})
    clin = _clinical([
        {"patient_id": "A", "sample_id": "a", "subtype": "Basal", "her2_status": "positive", "os_months": 5.0},
        {"patient_id": "B", "sample_id": "b", "subtype": "LumA", "her2_status": "positive", "os_months": 5.0},
        {"patient_id": "C", "sample_id": "c", "subtype": None, "her2_status": "positive", "os_months": 5.0},
        {"patient_id": "D", "sample_id": "d", "subtype": "Her2", "her2_status": "negative", "os_months": 5.0},
        {"patient_id": "E", "sample_id": "e", "subtype": "Her2", "her2_status": "positive", "os_months": 5.0},
    ])
    data, warn = sv.build_analysis_table(clin, None, a, sv.Settings())
    assert data["patient_id"].tolist() == ["A", "E"]
    assert data["entry"].isna().all()
    count = warn.set_index("check")["count"]
    assert count["missing subtype"] == 1
    assert count["group LumA not in the analysis levels"] == 1
    assert count["her2_status not in {positive}"] == 1


def test_conflicting_patient_values_are_missing_and_counted():
    clin = _clinical([
        {"patient_id": "A", "sample_id": "a1", "age": 50.0, "os_months": 5.0, "sequencing_time": 101.0},
        {"patient_id": "A", "sample_id": "a2", "age": 51.0, "os_months": 5.0, "sequencing_time": 101.0},
    ])
    cats = _categories([("a1", "A", "HER2-0")])
    data, warn = sv.build_analysis_table(clin, cats, HER2_ANALYSIS, sv.Settings())
    assert data.empty
    count = warn.set_index("check")["count"]
    assert count["age differs between a patient's samples"] == 1
    assert count["missing age"] == 1


def test_design_matrix_names_and_reference_levels():
    d = pd.DataFrame({"group": ["HER2-0", "HER2-low", "HER2-positive"], "age": [40.0, 50.0, 60.0],
                      "primary_hr_status": ["positive", "negative", "positive"]})
    X, assign = sv.design_matrix(d, HER2_ANALYSIS, ("group", "age", "primary_hr_status"))
    assert list(X.columns) == ["group:HER2-low", "group:HER2-positive", "age", "primary_hr_status:negative"]
    assert assign == {"group": [0, 1], "age": [2], "primary_hr_status": [3]}


def test_null_loglik_matches_lifelines_refit():
    a, data, _ = fixture("breast_msk_2018", "her2_hrpos")
    fit = cox_fit("breast_msk_2018", "her2_hrpos", "crude", "left")
    stat = fit.fitter.log_likelihood_ratio_test().test_statistic
    assert fit.loglik_null == pytest.approx(fit.loglik - stat / 2, abs=1e-8)


# ------------------------------------------------------------------------------ claims
def test_verdict_difference():
    assert sv.verdict_difference(1.4, 1.1, 1.8, 0.01, 0.05, [0.8, 1.25])[0] == "supported"
    assert sv.verdict_difference(1.0, 0.9, 1.1, 0.9, 0.05, [0.8, 1.25])[0] == "contradicted"
    assert sv.verdict_difference(1.03, 0.80, 1.33, 0.8, 0.05, [0.8, 1.25])[0] == "inconclusive"


def test_verdict_no_added_value():
    assert sv.verdict_no_added_value(0.0002, 1.2, 1.8, 0.05, [0.8, 1.25])[0] == "contradicted"
    assert sv.verdict_no_added_value(0.6, 0.9, 1.1, 0.05, [0.8, 1.25])[0] == "supported"
    assert sv.verdict_no_added_value(0.3, 0.7, 1.6, 0.05, [0.8, 1.25])[0] == "inconclusive"


def _contrasts(hrs: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Contrasts of group X vs others from {other: (hr of X vs other, p)}."""
    return pd.DataFrame([{"model": "m", "truncation": "none", "group": "X", "versus": k, "hr": hr,
                          "ci_low": hr / 2, "ci_high": hr * 2, "p": p} for k, (hr, p) in hrs.items()])


def test_verdict_worst_group():
    sup = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (1.5, 0.01)}), "X", 0.05)
    assert sup[0] == "supported" and sup[2]["versus"] == "B"  # the closest competitor is reported
    con = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (0.5, 0.01)}), "X", 0.05)
    assert con[0] == "contradicted" and con[2]["versus"] == "B"
    inc = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (1.2, 0.4)}), "X", 0.05)
    assert inc[0] == "inconclusive"
    inc2 = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (0.8, 0.4)}), "X", 0.05)
    assert inc2[0] == "inconclusive" and "not the highest" in inc2[1]


def test_claims_table_rows_per_truncation_and_primary():
    cox = pd.DataFrame([
        {"term": "group:HER2-low", "hr": hr, "ci_low": lo, "ci_high": hi, "p": p, "n": 10, "events": 5,
         "model": "adjusted", "truncation": t}
        for t, hr, lo, hi, p in [("none", 1.36, 1.05, 1.75, 0.02), ("left", 1.03, 0.80, 1.33, 0.82)]
    ])
    claims = {"c": {"claim": "HER2-low differs", "analysis": "an", "model": "adjusted", "truncation": "left",
                    "rule": {"kind": "difference", "term": "group:HER2-low"}}}
    table = sv.claims_table(claims, {"an": {"cox": cox}}, ("none", "left"))
    assert list(table.columns) == sv.CLAIM_COLUMNS
    out = table.set_index("truncation")
    assert out.loc["none", "verdict"] == "supported" and not out.loc["none", "primary"]
    assert out.loc["left", "verdict"] == "inconclusive" and out.loc["left", "primary"]
    with pytest.raises(DataError, match="not configured"):
        sv.claims_table({"c": {**claims["c"], "analysis": "other"}}, {"an": {"cox": cox}}, ("none",))


# ------------------------------------------------------------------------- configuration
def test_configured_analyses_expand_with_sensitivity_variants():
    from her2cohort.config import load_cohort, load_yaml

    config = load_yaml(REPO / "config" / "config.yaml")
    config["cohort_dir"] = str(REPO / "config" / "cohorts")
    msk = sv.expand_analyses(load_cohort(config, "breast_msk_2018")["survival"], config["her2"])
    assert msk["her2_all"].her2_rule == config["her2"]["default_rule"]
    variants = {(a.her2_rule, a.her2_zero_one) for a in msk.values() if a.sensitivity_of == "her2_all"}
    assert len(variants) == 3 and ("ihc_only", "low") in variants
    metabric = load_cohort(config, "brca_metabric")
    assert sv.settings_from_config(metabric["survival"]).truncations == ("none",)
    assert sv.claim_analyses(metabric["survival"]["claims"]) == ["her2pos_subtype", "subtype_her2_all"]


def test_undeclared_model_term_is_a_config_error():
    spec_ = {"analyses": {"x": {"group": {"column": "subtype"}, "levels": ["a", "b"],
                                "models": {"m": ["group", "stage"]}}}}
    with pytest.raises(DataError, match="undeclared term"):
        sv.expand_analyses(spec_, {"default_rule": "asco_cap_2018", "zero_one_plus": "zero"})


# --------------------------------------------------------------------- edge cases, figures
def _synthetic(seed: int = 3, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(n)],
        "group": rng.choice(["A", "B", "C"], n),
        "time": np.round(rng.exponential(30, n), 1) + 0.1,
        "event": (rng.random(n) < 0.6).astype(int),
        "entry": np.round(rng.uniform(0, 5, n), 2),
        "age": rng.normal(55, 10, n),
    })
    d.loc[d["group"] == "C", "event"] = 0  # a level without deaths
    return d


EDGE = sv.Analysis(name="edge", title="edge", group_source="x", levels=("A", "B", "C", "D"), numeric=("age",),
                   models={"crude": ("group",), "adjusted": ("group", "age")})


def test_level_without_deaths_is_not_estimable_and_absent_level_is_skipped():
    tables = sv.run_analysis(_synthetic(), EDGE, sv.Settings(left_truncation=True))
    cox = tables["cox"]
    assert "group:D" not in set(cox["term"])  # no patients: no dummy
    c = cox[cox["term"] == "group:C"]
    assert c["hr"].isna().all() and c["p"].isna().all()
    assert cox.loc[cox["term"] == "group:B", "hr"].notna().all()
    assert tables["models"]["notes"].str.contains("group:C: no deaths").all()
    km = tables["km"].set_index(["truncation", "group"])
    assert km.loc[("none", "D"), "n"] == 0 and np.isnan(km.loc[("none", "C"), "median"])


def test_figures_render(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from her2cohort.figures import survival as fig

    data = _synthetic()
    tables = sv.run_analysis(data, EDGE, sv.Settings(left_truncation=True))
    km = fig.km_figure(data, EDGE.levels, ("none", "left"), "edge", tables["logrank"], 120.0, 24.0)
    assert len(km.axes) == 4  # two panels, each with its number-at-risk table
    forest = fig.forest_figure(tables["cox"], "edge", EDGE.references)
    for f, name in ((km, "km.png"), (forest, "forest.png")):
        f.savefig(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 10_000
