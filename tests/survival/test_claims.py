"""Claims and their verdicts (her2cohort.survival.claims, .claim_rows): the rules on hand-built
estimates, RMST when proportional hazards fail, roles (primary, HR for reference, naive contrast,
sensitivity)."""

from __future__ import annotations

import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError
from survival.conftest import survival_config


def test_verdict_difference():
    assert sv.verdict_difference(1.4, 1.1, 1.8, 0.01, 0.05, [0.8, 1.25])[0] == "supported"
    assert sv.verdict_difference(1.0, 0.9, 1.1, 0.9, 0.05, [0.8, 1.25])[0] == "contradicted"
    assert sv.verdict_difference(1.03, 0.80, 1.33, 0.8, 0.05, [0.8, 1.25])[0] == "inconclusive"


def test_verdict_difference_with_a_direction_reads_the_test_one_way():
    worse = sv.verdict_difference(1.4, 1.1, 1.8, 0.01, 0.05, [0.8, 1.25], "worse")
    assert worse.verdict == "supported"
    better = sv.verdict_difference(0.6, 0.4, 0.9, 0.01, 0.05, [0.8, 1.25], "worse")
    assert better.verdict == "contradicted" and "significantly better" in better.reason
    assert sv.verdict_difference(0.6, 0.4, 0.9, 0.01, 0.05, [0.8, 1.25], "better")[0] == "supported"
    assert (
        sv.verdict_difference(1.2, 0.7, 2.0, 0.4, 0.05, [0.8, 1.25], "worse")[0] == "inconclusive"
    )


def test_verdict_rmst_difference_in_months():
    # a shorter RMST is worse: -9 months (-15 to -3), p 0.003
    v = sv.verdict_rmst_difference(-9.0, -15.0, -3.0, 0.003, 0.05, [-6, 6], "worse")
    assert v.verdict == "supported" and "RMST difference -9.0 (-15.0 to -3.0 months)" in v.reason
    assert sv.verdict_rmst_difference(9.0, 3.0, 15.0, 0.003, 0.05, [-6, 6], "worse")[0] == (
        "contradicted"
    )
    inside = sv.verdict_rmst_difference(1.0, -4.0, 5.0, 0.7, 0.05, [-6, 6])
    assert inside.verdict == "contradicted" and "inside the equivalence margin -6 to 6 months" in (
        inside.reason
    )
    assert sv.verdict_rmst_difference(1.0, -8.0, 10.0, 0.8, 0.05, [-6, 6])[0] == "inconclusive"


def test_verdict_no_added_value():
    assert sv.verdict_no_added_value(0.0002, 1.2, 1.8, 0.05, [0.8, 1.25])[0] == "contradicted"
    assert sv.verdict_no_added_value(0.6, 0.9, 1.1, 0.05, [0.8, 1.25])[0] == "supported"
    assert sv.verdict_no_added_value(0.3, 0.7, 1.6, 0.05, [0.8, 1.25])[0] == "inconclusive"


def _contrasts(hrs: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Contrasts of group X vs others from {other: (hr of X vs other, p)}."""
    return pd.DataFrame(
        [
            {
                "model": "m",
                "truncation": "none",
                "group": "X",
                "versus": k,
                "hr": hr,
                "ci_low": hr / 2,
                "ci_high": hr * 2,
                "p": p,
            }
            for k, (hr, p) in hrs.items()
        ]
    )


def test_verdict_worst_group():
    sup = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (1.5, 0.01)}), "X", 0.05)
    assert sup[0] == "supported" and sup[2]["versus"] == "B"  # no reference: the closest one
    con = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (0.5, 0.01)}), "X", 0.05)
    assert con[0] == "contradicted" and con[2]["versus"] == "B"
    inc = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (1.2, 0.4)}), "X", 0.05)
    assert inc[0] == "inconclusive"
    inc2 = sv.verdict_worst_group(_contrasts({"A": (2.0, 0.001), "B": (0.8, 0.4)}), "X", 0.05)
    assert inc2[0] == "inconclusive" and "not the highest" in inc2[1]


def test_worst_group_is_reported_against_the_reference_level():
    """The prespecified comparator (the first level), not the one the data pick: the verdict
    names the deciding group, the estimate is X vs the reference."""
    con = _contrasts({"Ref": (0.58, 0.23), "Small": (0.9, 0.8), "C": (1.4, 0.3)})
    v = sv.verdict_worst_group(con, "X", 0.05, reference="Ref")
    assert v.verdict == "inconclusive" and v.row["versus"] == "Ref" and v.row["hr"] == 0.58
    assert v.reason.startswith("point estimate opposite (HR 0.58 vs Ref)")
    assert "Ref has HR 1.72 vs X" in v.reason  # the closest competitor is still named
    sig = sv.verdict_worst_group(
        _contrasts({"Ref": (1.3, 0.2), "B": (0.4, 0.01)}), "X", 0.05, "Ref"
    )
    assert sig.verdict == "contradicted" and sig.row["versus"] == "Ref" and "B has" in sig.reason


def _rmst_rows(values: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """One horizon's rmst rows from {group: (rmst, se)}."""
    return pd.DataFrame(
        [
            {"truncation": "none", "tau": 60.0, "group": g, "rmst": r, "se": se}
            for g, (r, se) in values.items()
        ]  # fmt: skip
    )


def test_verdict_worst_group_on_rmst():
    sup = sv.verdict_worst_group_rmst(
        _rmst_rows({"Ref": (50.0, 1.0), "A": (48.0, 1.0), "X": (30.0, 2.0)}), "X", 0.05, "Ref"
    )
    assert sup.verdict == "supported" and sup.row["versus"] == "Ref"
    assert sup.row["difference"] == pytest.approx(-20.0)
    con = sv.verdict_worst_group_rmst(
        _rmst_rows({"Ref": (50.0, 1.0), "A": (20.0, 1.0), "X": (40.0, 2.0)}), "X", 0.05, "Ref"
    )
    assert con.verdict == "contradicted" and "A has a significantly shorter RMST" in con.reason
    inc = sv.verdict_worst_group_rmst(
        _rmst_rows({"Ref": (50.0, 1.0), "A": (31.0, 5.0), "X": (30.0, 5.0)}), "X", 0.05, "Ref"
    )
    assert inc.verdict == "inconclusive" and "not significantly shorter than A" in inc.reason
    opposite = sv.verdict_worst_group_rmst(
        _rmst_rows({"Ref": (40.0, 5.0), "A": (35.0, 5.0), "X": (45.0, 5.0)}), "X", 0.05, "Ref"
    )
    assert opposite.reason.startswith("point estimate opposite (+5.0 months vs Ref)")


# ------------------------------------------------------------------------------ claim rows
def _cox(term: str, by_trunc: dict[str, tuple[float, float, float, float]], model: str = "adj"):
    return pd.DataFrame(
        [
            {
                "term": term,
                "hr": hr,
                "ci_low": lo,
                "ci_high": hi,
                "p": p,
                "n": 40,
                "events": 20,
                "model": model,
                "truncation": t,
            }
            for t, (hr, lo, hi, p) in by_trunc.items()
        ]  # fmt: skip
    )


def _ph(p_by_trunc: dict[str, float], model: str = "adj") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "model": model,
                "truncation": t,
                "term": "GLOBAL",
                "chisq": 9.0,
                "df": 1,
                "p": p,
                "method": "cox.zph score test (R survival >= 3.0)",
                "transform": "km",
            }
            for t, p in p_by_trunc.items()
        ]  # fmt: skip
    )


def _rmst(trunc: str, ref: tuple[float, float], alt: tuple[float, float]) -> pd.DataFrame:
    """rmst_table-like rows at tau 60 for levels (wt, alt), difference alt - wt."""
    d = sv.rmst_difference(sv.Rmst(*alt), sv.Rmst(*ref))
    return pd.DataFrame(
        [
            {
                "truncation": trunc,
                "tau": 60.0,
                "group": "wt",
                "versus": None,
                "rmst": ref[0],
                "se": ref[1],
                "n": 20,
                "events": 8,
                "note": "",
            },
            {
                "truncation": trunc,
                "tau": 60.0,
                "group": "alt",
                "versus": "wt",
                "rmst": alt[0],
                "se": alt[1],
                "rmst_ref": ref[0],
                "se_ref": ref[1],
                **d,
                "n": 20,
                "events": 12,
                "note": "",
            },
        ]  # fmt: skip
    )


def _km(trunc: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"truncation": trunc, "group": g, "n": 20, "events": e}
            for g, e in (("wt", 8), ("alt", 12))
        ]
    )


ANALYSIS = sv.Analysis(
    name="an", title="an", group_source="alteration", alteration="A_mut", levels=("wt", "alt"),
    models={"adj": ("group",)},
)  # fmt: skip


def _claim(**rule: object) -> dict:
    cfg = {
        "claims": {
            "c": {
                "claim": "altered does worse",
                "analysis": "an",
                "model": "adj",
                "caveat": "OS is not treatment response",
                "rule": {"kind": "difference", "term": "group:alt", **rule},
            }
        }
    }
    return survival_config(cfg)["claims"]


def test_claims_table_rows_per_truncation_and_primary():
    cox = _cox(
        "group:HER2-low", {"none": (1.36, 1.05, 1.75, 0.02), "left": (1.03, 0.80, 1.33, 0.82)}
    )
    claims = survival_config(
        {
            "claims": {
                "c": {
                    "claim": "HER2-low differs",
                    "analysis": "an",
                    "model": "adj",
                    "truncation": "left",
                    "rule": {"kind": "difference", "term": "group:HER2-low"},
                },
            }
        }
    )["claims"]
    table = sv.claims_table(claims, {"an": {"cox": cox}}, sv.Settings(left_truncation=True))
    assert list(table.columns) == sv.CLAIM_COLUMNS
    out = table.set_index("truncation")
    assert out.loc["left", "verdict"] == "inconclusive" and out.loc["left", "primary"]
    assert out.loc["left", "role"] == "primary"
    # the naive fit of a left-truncated cohort: its estimate is shown, never judged
    assert out.loc["none", "role"] == "naive contrast" and not out.loc["none", "primary"]
    assert out.loc["none", "verdict"] == "not judged" and out.loc["none", "estimate"] == 1.36
    assert "biased by delayed entry" in out.loc["none", "reason"]
    with pytest.raises(DataError, match="not configured"):
        sv.claims_table(
            {"c": {**claims["c"], "analysis": "other"}}, {"an": {"cox": cox}}, sv.Settings()
        )


def test_difference_claim_is_decided_on_rmst_when_ph_fails():
    tables = {
        "an": {
            "cox": _cox("group:alt", {"none": (1.9, 1.2, 3.0, 0.006)}),
            "ph_test": _ph({"none": 1e-6}),
            "rmst": _rmst("none", (50.0, 2.0), (38.0, 3.0)),
            "km": _km("none"),
        }
    }
    table = sv.claims_table(_claim(direction="worse"), tables, sv.Settings(), {"an": ANALYSIS})
    assert table["role"].tolist() == ["primary", "HR for reference"]
    rmst, hr = table.iloc[0], table.iloc[1]
    assert rmst["estimate_of"] == "RMST difference alt vs wt to 60 months"
    assert rmst["estimate"] == pytest.approx(-12.0) and rmst["verdict"] == "supported"
    assert "decided on RMST" in rmst["reason"] and "20 alt patients, 12 deaths" in rmst["reason"]
    assert rmst["ph_global_p"] == pytest.approx(1e-6) and rmst["primary"]
    assert hr["estimate_of"] == "HR group:alt" and hr["estimate"] == 1.9
    assert hr["verdict"] == "not judged" and not hr["primary"]
    assert set(table["caveat"]) == {"OS is not treatment response"}
    assert "RMST difference (shorter) to 60 months, margin -6 to 6 months" in rmst["rule"]
    # an RMST difference inside the margin contradicts; PH holding keeps the HR verdict
    tables["an"]["rmst"] = _rmst("none", (50.0, 1.0), (49.0, 1.0))
    close = sv.claims_table(_claim(), tables, sv.Settings(), {"an": ANALYSIS})
    assert close.iloc[0]["verdict"] == "contradicted"
    tables["an"]["ph_test"] = _ph({"none": 0.4})
    holds = sv.claims_table(_claim(), tables, sv.Settings(), {"an": ANALYSIS})
    assert holds["role"].tolist() == ["primary"] and holds.iloc[0]["estimate_of"] == "HR group:alt"
    assert holds.iloc[0]["verdict"] == "supported"


def test_worst_group_claim_on_rmst_reports_the_reference_contrast():
    levels = ("Ref", "A", "X")
    analysis = sv.Analysis(name="an", title="an", group_source="subtype", levels=levels,
                           models={"adj": ("group",)})  # fmt: skip
    con = pd.concat(
        [
            _contrasts({"Ref": (1.8, 0.01), "A": (1.5, 0.03)}).assign(model="adj"),
            _contrasts({"X": (0.6, 0.03)}).assign(model="adj", group="A"),
        ]  # fmt: skip
    )
    rm = _rmst_rows({"Ref": (50.0, 1.0), "A": (45.0, 1.0), "X": (30.0, 2.0)})
    tables = {"an": {"contrasts": con, "ph_test": _ph({"none": 0.001}), "rmst": rm}}
    claims = survival_config(
        {
            "claims": {
                "w": {
                    "claim": "X is worst",
                    "analysis": "an",
                    "model": "adj",
                    "rule": {"kind": "worst_group", "group": "X"},
                }
            }
        }  # fmt: skip
    )["claims"]
    table = sv.claims_table(claims, tables, sv.Settings(), {"an": analysis})
    primary = table[table["primary"]].iloc[0]
    assert primary["estimate_of"] == "RMST difference X vs Ref to 60 months"
    assert primary["verdict"] == "supported" and primary["estimate"] == pytest.approx(-20.0)
    ref = table[table["role"] == "HR for reference"].iloc[0]
    assert ref["estimate_of"] == "HR X vs Ref" and ref["estimate"] == 1.8


def test_no_added_value_stays_on_the_lr_test_and_says_ph_fails():
    cox = _cox("her2_status:positive", {"none": (1.47, 1.21, 1.79, 0.0002)}, model="full")
    lrt = pd.DataFrame([{"truncation": "none", "reduced": "red", "full": "full", "p": 0.00016}])
    tables = {"an": {"cox": cox, "lrt": lrt, "ph_test": _ph({"none": 6e-34}, model="full")}}
    claims = survival_config(
        {
            "claims": {
                "n": {
                    "claim": "no value",
                    "analysis": "an",
                    "model": "full",
                    "rule": {
                        "kind": "no_added_value",
                        "term": "her2_status:positive",
                        "comparison": ["red", "full"],
                    },
                }
            }
        }  # fmt: skip
    )["claims"]
    table = sv.claims_table(claims, tables, sv.Settings())
    assert len(table) == 1 and table.iloc[0]["verdict"] == "contradicted"
    assert "fails the PH test (cox.zph global p = 6e-34 < 0.05)" in table.iloc[0]["reason"]


def test_sensitivity_variants_add_judged_rows():
    variant = sv.Analysis(
        name="an__ihc_only_low", title="an [ihc_only, 0-1+ low]", group_source="alteration",
        alteration="A_mut", levels=("wt", "alt"), models={"adj": ("group",)}, sensitivity_of="an",
    )  # fmt: skip
    tables = {
        "an": {"cox": _cox("group:alt", {"none": (1.9, 1.2, 3.0, 0.006), "left": (1.5, 1.1, 2.0, 0.01)})},
        "an__ihc_only_low": {"cox": _cox("group:alt", {"none": (1.1, 0.9, 1.3, 0.3), "left": (1.2, 0.7, 2.1, 0.5)})},
    }  # fmt: skip
    settings = sv.Settings(left_truncation=True)
    table = sv.claims_table(
        _claim(direction="worse"), tables, settings, {"an": ANALYSIS, variant.name: variant}
    )
    assert table["role"].tolist() == ["naive contrast", "primary", "sensitivity"]
    sens = table.iloc[2]
    assert sens["analysis"] == "an__ihc_only_low" and sens["truncation"] == "left"
    assert sens["estimate"] == 1.2 and sens["verdict"] == "inconclusive" and not sens["primary"]
    assert table["primary"].tolist() == [False, True, False]


def test_claim_rule_defaults_come_from_the_schema():
    rule = survival_config(
        {
            "claims": {
                "c": {
                    "claim": "x",
                    "analysis": "a",
                    "model": "m",
                    "rule": {"kind": "worst_group", "group": "G"},
                }
            }
        }
    )
    rule = rule["claims"]["c"]["rule"]
    assert (rule["alpha"], rule["equivalence"]) == (0.05, [0.8, 1.25])
    assert (rule["rmst_equivalence"], rule["direction"]) == ([-6, 6], "two-sided")
    assert "p < 0.05" in sv.rule_text(rule)
    assert "on RMST to 120 months" in sv.rule_text(rule, 120.0, 0.05)


def test_not_estimable_estimates_are_not_testable():
    """A level without deaths has no HR; a group without a death before tau no RMST standard
    error: neither may read as a verdict."""
    nan = float("nan")
    tables = {"an": {"cox": _cox("group:alt", {"none": (nan, nan, nan, nan)}), "km": _km("none")}}
    row = sv.claims_table(_claim(), tables, sv.Settings(), {"an": ANALYSIS}).iloc[0]
    assert row["verdict"] == "not testable" and row["reason"].startswith("HR not estimable")
    tables = {
        "an": {
            "cox": _cox("group:alt", {"none": (1.9, 1.2, 3.0, 0.006)}),
            "ph_test": _ph({"none": 1e-6}),
            "rmst": _rmst("none", (50.0, 2.0), (60.0, 0.0)),
        }
    }
    table = sv.claims_table(_claim(), tables, sv.Settings(), {"an": ANALYSIS})
    assert table.iloc[0]["verdict"] == "not testable"
    assert "no death before 60 months among alt" in table.iloc[0]["reason"]
    flat = sv.rmst_pairs(_rmst_rows({"Ref": (50.0, 1.0), "X": (60.0, 0.0)}), "X")
    assert flat["p"].isna().all() and flat["difference"].iloc[0] == 10.0


def test_claim_tau_and_ph_alpha_come_from_the_settings():
    tables = {
        "an": {
            "cox": _cox("group:alt", {"none": (1.9, 1.2, 3.0, 0.006)}),
            "ph_test": _ph({"none": 0.02}),
            "rmst": pd.concat(
                [
                    _rmst("none", (50.0, 2.0), (38.0, 3.0)),
                    _rmst("none", (90.0, 3.0), (70.0, 4.0)).assign(tau=120.0),
                ]  # fmt: skip
            ),
        }
    }
    strict = sv.Settings(ph_alpha=0.01, rmst_taus=(60.0, 120.0))
    assert sv.claims_table(_claim(), tables, strict, {"an": ANALYSIS})["role"].tolist() == [
        "primary"
    ]
    claims = _claim()
    claims["c"]["tau"] = 120
    late = sv.claims_table(claims, tables, sv.Settings(rmst_taus=(60.0, 120.0)), {"an": ANALYSIS})
    assert late.iloc[0]["estimate_of"] == "RMST difference alt vs wt to 120 months"
    assert late.iloc[0]["estimate"] == pytest.approx(-20.0)
