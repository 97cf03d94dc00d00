"""HER2 parsing and categories: table-driven over the real tokens, property tests, pinned counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from her2cohort import harmonize as hz

# every distinct IHC value in breast_msk_2018 (sequenced and primary fields) -> expected parse
IHC_TOKENS = [
    ("0+", "parsed", "0+", {}),
    ("1+", "parsed", "1+", {}),
    ("2+", "parsed", "2+", {}),
    ("3+", "parsed", "3+", {}),
    ("0-1+", "parsed", "0-1+", {}),
    ("1-2+", "parsed", "1-2+", {}),
    ("2-3+", "parsed", "2-3+", {}),
    ("Not Available", "missing", None, {}),
    ("1+ (focal)", "parsed", "1+", {"focal": True}),
    ("2+ (focal)", "parsed", "2+", {"focal": True}),
    ("3+ (outside)", "parsed", "3+", {"outside": True, "outside_score": None}),
    ("1+ (outside 3+)", "parsed", "1+", {"outside": True, "outside_score": "3+"}),
    ("1-2+ (outside 3+)", "parsed", "1-2+", {"outside": True, "outside_score": "3+"}),
    ("3+ (2+ outside)", "parsed", "3+", {"outside": True, "outside_score": "2+"}),
    ("2+ (3+ outside)", "parsed", "2+", {"outside": True, "outside_score": "3+"}),
    ("1+ (3+ outside)", "parsed", "1+", {"outside": True, "outside_score": "3+"}),
    (
        "3+ (heterogenous 70-80% pos)",
        "parsed",
        "3+",
        {"heterogeneous": True, "heterogeneous_pct": "70-80% pos"},
    ),
    ("Test Failure", "failed", None, {}),
    ("Not done", "not_done", None, {}),
    ("positive", "unparsed", None, {}),
    ("4+", "unparsed", None, {}),
    ("0-3+", "unparsed", None, {}),
    ("2+ (weird)", "unparsed", None, {}),
]


@pytest.mark.parametrize(("raw", "status", "score", "flags"), IHC_TOKENS)
def test_parse_ihc_tokens(raw, status, score, flags) -> None:
    p = hz.parse_ihc(raw)
    assert p.parse_status == status
    assert p.score == score
    for key, value in flags.items():
        assert getattr(p, key) == value
    if status == "unparsed":
        assert p.note and raw in p.note


ISH_STATUS_TOKENS = [
    ("Positive", "parsed", "positive", False),
    ("Negative", "parsed", "negative", False),
    ("Negative (outside)", "parsed", "negative", True),
    ("Equivocal", "parsed", "equivocal", False),
    ("Test Failure", "parsed", "failed", False),
    ("Not Applicable", "parsed", "not_done", False),
    ("Unk/ND", "missing", "missing", False),
    ("Maybe", "unparsed", "missing", False),
]


@pytest.mark.parametrize(("raw", "state", "status", "outside"), ISH_STATUS_TOKENS)
def test_parse_ish_status_tokens(raw, state, status, outside) -> None:
    p = hz.parse_ish_status(raw)
    assert (p.parse_status, p.status, p.outside) == (state, status, outside)


NAN = float("nan")
# every non-plain ISH value of breast_msk_2018 -> (status, ratio, copy number, other fields)
ISH_VALUE_TOKENS = [
    ("1.1", "parsed", 1.1, NAN, {}),
    ("2 (CN 4.8)", "parsed", 2.0, 4.8, {}),
    ("4.0, CN 9.7", "parsed", 4.0, 9.7, {}),
    ("1.3 (OSH CN 4.2)", "parsed", 1.3, 4.2, {"outside": True}),
    ("1.3 (OSH, CN 2.0)", "parsed", 1.3, 2.0, {"outside": True}),
    ("1.8, MSK failed", "parsed", 1.8, NAN, {"local_failed": True}),
    ("1.4, 1.9", "parsed", 1.4, NAN, {"other_ratios": "1.9"}),
    ("1.7 (Outside: 2.4)", "parsed", 1.7, NAN, {"outside_ratio": 2.4}),
    ("1.4 (CN 3.0) (same sample OSH 2.3)", "parsed", 1.4, 3.0, {"outside_ratio": 2.3}),
    ("2.4 (heterogenous)", "parsed", 2.4, NAN, {"heterogeneous": True}),
    ("3.2 (Heterogenous)", "parsed", 3.2, NAN, {"heterogeneous": True}),
    ("2.5 (CN 3)", "parsed", 2.5, 3.0, {}),
    ("0", "parsed", 0.0, NAN, {"implausible": True}),
    ("Not done", "not_done", NAN, NAN, {}),
    ("Not done (decalcified)", "not_done", NAN, NAN, {}),
    ("Not Applicable", "not_done", NAN, NAN, {}),
    ("Not Available", "missing", NAN, NAN, {}),
    ("about 2", "unparsed", NAN, NAN, {}),
    ("2.2 (CN high)", "unparsed", NAN, NAN, {}),
]


@pytest.mark.parametrize(("raw", "status", "ratio", "cn", "extra"), ISH_VALUE_TOKENS)
def test_parse_ish_value_tokens(raw, status, ratio, cn, extra) -> None:
    p = hz.parse_ish_value(raw)
    assert p.parse_status == status
    assert (math.isnan(p.ratio) and math.isnan(ratio)) or p.ratio == ratio
    assert (math.isnan(p.copy_number) and math.isnan(cn)) or p.copy_number == cn
    for key, value in extra.items():
        assert getattr(p, key) == value


@pytest.mark.parametrize(
    ("ratio", "cn", "group"),
    [
        (2.0, 4.0, 1),
        (5.0, 12.0, 1),
        (2.2, 3.9, 2),
        (1.5, 6.0, 3),
        (1.9, 5.9, 4),
        (1.9, 4.0, 4),
        (1.0, 2.0, 5),
    ],
)
def test_ish_groups(ratio, cn, group) -> None:
    assert hz.ish_group(ratio, cn) == group
    assert math.isnan(hz.ish_group(ratio, NAN))


# ------------------------------------------------------------------ properties of the parsers
scores = st.integers(0, 3)
modifiers = st.sampled_from(
    ["", " (focal)", " (outside)", " (outside 3+)", " (2+ outside)", " (heterogenous 50% pos)"]
)


@given(lo=scores, width=st.integers(0, 1), mod=modifiers, plus=st.booleans())
def test_ihc_grammar_roundtrip(lo, width, mod, plus) -> None:
    hi = min(lo + width, 3)
    raw = (f"{lo}" if lo == hi else f"{lo}-{hi}") + ("+" if plus else "") + mod
    p = hz.parse_ihc(raw)
    assert p.parse_status == "parsed"
    assert (p.score_low, p.score_high) == (lo, hi)
    assert p.score == (f"{lo}+" if lo == hi else f"{lo}-{hi}+")
    assert p.focal == ("focal" in mod)


@given(st.text(max_size=40))
def test_parsers_never_raise_and_never_guess(text) -> None:
    for parser in (hz.parse_ihc, hz.parse_ish_status, hz.parse_ish_value):
        p = parser(text)
        assert p.parse_status in {"parsed", "missing", "not_done", "failed", "unparsed"}
    p = hz.parse_ihc(text)
    if p.parse_status == "parsed":
        assert text.strip()[0] in "0123"


@given(ratio=st.floats(0.1, 30), cn=st.floats(0.1, 40))
def test_ratio_and_cn_roundtrip(ratio, cn) -> None:
    raw = f"{ratio:.2f} (CN {cn:.1f})"
    p = hz.parse_ish_value(raw)
    assert p.parse_status == "parsed"
    assert p.ratio == pytest.approx(round(ratio, 2)) and p.copy_number == pytest.approx(
        round(cn, 1)
    )


# ------------------------------------------------------------------------------ rule sets
def _clinical(rows):
    cols = ["her2_ihc", "her2_ish_status", "her2_ish_ratio", "her2_status"]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "sample_id", [f"S{i}" for i in range(len(df))])
    df.insert(1, "patient_id", df["sample_id"])
    df["sample_type"] = "primary"
    for c in [
        "her2_ish_copy_number",
        "primary_her2_ihc",
        "primary_her2_ish_status",
        "primary_her2_ish_ratio",
        "primary_her2_ish_copy_number",
        "primary_her2_status",
    ]:
        df[c] = pd.NA
    return df.astype({c: "string" for c in df.columns})


CASES = [
    # ihc, ish status, ish ratio, clinical status -> ihc_only, asco (0-1+ zero)
    (("0+", "Not Applicable", "Not Applicable", None), "HER2-0", "HER2-0"),
    (("0-1+", "Not Applicable", "Not Applicable", None), "HER2-low", "HER2-0"),
    (("1+", "Not Applicable", "Not Applicable", None), "HER2-low", "HER2-low"),
    (("2+", "Negative", "1.2", None), "HER2-low", "HER2-low"),
    (("2+", "Positive", "2.4", None), "HER2-low", "HER2-positive"),
    (("2+", "Negative", "2.4 (CN 6.3)", None), "HER2-low", "HER2-positive"),  # numbers win: group 1
    (("2+", "Positive", "2.2 (CN 3.5)", None), "HER2-low", "HER2-low"),  # group 2
    (("2+", "Negative", "1.5 (CN 6.5)", None), "HER2-low", "HER2-positive"),  # group 3 with IHC 2+
    (("1+", "Negative", "1.5 (CN 6.5)", None), "HER2-low", "HER2-low"),  # group 3 with IHC 1+
    (("2+", "Test Failure", "Not done", None), "HER2-low", "unknown"),
    (("2+", "Unk/ND", "Not Available", None), "HER2-low", "unknown"),
    (("1-2+", "Positive", "3.0", None), "HER2-low", "HER2-positive"),
    (("3+", "Not Applicable", "Not Applicable", None), "HER2-positive", "HER2-positive"),
    (("2-3+", "Not Applicable", "Not Applicable", None), "HER2-positive", "HER2-positive"),
    (("0+", "Positive", "5.0", None), "HER2-0", "HER2-positive"),  # discordant
    (("Not Available", "Positive", "4.4", None), "unknown", "HER2-positive"),
    (("Not Available", "Unk/ND", "Not Available", "positive"), "unknown", "HER2-positive"),
    (("Not Available", "Unk/ND", "Not Available", "negative"), "unknown", "unknown"),
    (("0+", "Negative", "0", None), "HER2-0", "HER2-0"),  # implausible ratio 0 not used
]


def test_rule_sets_case_table() -> None:
    clin = _clinical([c[0] for c in CASES])
    ihc = hz.harmonize_samples(clin, "ihc_only", "low")
    asco = hz.harmonize_samples(clin, "asco_cap_2018", "zero")
    assert ihc["her2_category"].tolist() == [c[1] for c in CASES]
    assert asco["her2_category"].tolist() == [c[2] for c in CASES]
    assert asco["discordant"].tolist() == [i == 14 for i in range(len(CASES))]
    assert asco.loc[5, "ish_group"] == 1 and asco.loc[6, "ish_group"] == 2
    assert "ISH group 3" in asco.loc[7, "reason"]
    assert (asco["reason"].str.len() > 0).all()


@pytest.mark.parametrize(
    ("zero_one", "expected"), [("zero", "HER2-0"), ("low", "HER2-low"), ("unknown", "unknown")]
)
def test_zero_one_plus_assignment(zero_one, expected) -> None:
    clin = _clinical(
        [("0-1+", "Not Applicable", "Not Applicable", None), ("0-1+", "Positive", "6.0", None)]
    )
    out = hz.harmonize_samples(clin, "asco_cap_2018", zero_one)
    assert out["her2_category"].tolist() == [expected, "HER2-positive"]
    assert f"assigned {zero_one}" in out.loc[0, "reason"] or zero_one == "unknown"


def test_unparsed_values_are_unknown_and_audited() -> None:
    clin = _clinical(
        [("2+ (weird)", "Not Applicable", "Not Applicable", None), ("1+", "Maybe", "x", None)]
    )
    out = hz.harmonize_samples(clin, "ihc_only", "low")
    assert out["her2_category"].tolist() == ["unknown", "HER2-low"]
    audit = hz.audit(
        clin, {"her2_ihc": "IHC", "her2_ish_status": "FISH", "her2_ish_ratio": "R"}, out
    )
    bad = audit[audit["parse_status"] == "unparsed"]
    assert set(bad["raw_value"]) == {"2+ (weird)", "Maybe", "x"}
    assert bad["count"].tolist() == [1, 1, 1]


# ------------------------------------------------------------------------------ real data
@pytest.mark.real
def test_published_rule_counts_msk(msk_clinical) -> None:
    out = hz.harmonize_samples(msk_clinical, "ihc_only", "low")
    assert out["her2_category"].value_counts().to_dict() == {
        "HER2-low": 1124,
        "HER2-0": 535,
        "HER2-positive": 149,
        "unknown": 110,
    }


@pytest.mark.real
def test_asco_counts_msk(msk_clinical) -> None:
    out = hz.harmonize_samples(msk_clinical, "asco_cap_2018", "zero")
    assert out["her2_category"].value_counts().to_dict() == {
        "HER2-0": 977,
        "HER2-low": 630,
        "HER2-positive": 200,
        "unknown": 111,
    }
    assert int(out["discordant"].sum()) == 2


@pytest.mark.real
def test_every_real_raw_value_is_audited(msk_tables, metabric_tables, config) -> None:
    from conftest import REPO
    from her2cohort.clinical import build_clinical
    from her2cohort.config import load_cohort

    cfg = {**config, "cohort_dir": str(REPO / "config" / "cohorts")}
    for name, tables in (("breast_msk_2018", msk_tables), ("brca_metabric", metabric_tables)):
        cohort = load_cohort(cfg, name)
        clin, warnings = build_clinical(cohort, tables.samples, tables.patients)
        columns = {**cohort.get("patient_fields", {}), **cohort["sample_fields"]}
        samples = hz.harmonize_samples(clin, "asco_cap_2018", "zero")
        audit = hz.audit(clin, columns, samples, warnings)
        for field in list(hz.AUDIT_FIELDS) + list(hz.STATUS_AUDIT_FIELDS):
            if field not in columns:
                continue
            raw_col = f"raw_{field}" if field in hz.STATUS_AUDIT_FIELDS else field
            distinct = set(clin[raw_col].astype("string").fillna("<NA>"))
            got = audit.loc[audit["field"] == field]
            assert set(got["raw_value"]) == distinct, field
            assert got["count"].sum() == len(clin)
        # nothing in the real studies is left unparsed; the only vocabulary miss is known
        assert not (audit["parse_status"] == "unparsed").any()
        misses = audit.loc[audit["parse_status"] == "unmapped", ["field", "raw_value", "count"]]
        expected = (
            []
            if name == "brca_metabric"
            else [["primary_her2_status", "Negative (Outside Positive)", 2]]
        )
        assert misses.values.tolist() == expected


@pytest.mark.real
def test_metabric_categories_from_clinical_status(metabric_clinical) -> None:
    ihc = hz.harmonize_samples(metabric_clinical, "ihc_only", "low")
    assert set(ihc["her2_category"]) == {"unknown"}
    asco = hz.harmonize_samples(metabric_clinical, "asco_cap_2018", "zero")
    assert asco["her2_category"].value_counts().to_dict() == {"unknown": 2262, "HER2-positive": 247}
    neg = asco[metabric_clinical["her2_status"].eq("negative").fillna(False).to_numpy(bool)]
    assert neg["reason"].str.contains("cannot be told apart").all()


@pytest.mark.real
def test_msk_transitions(msk_clinical) -> None:
    scen = hz.all_scenarios(msk_clinical)
    trans = hz.transitions(
        scen, msk_clinical["sample_type"], {"ihc_only": "low", "asco_cap_2018": "zero"}
    )
    assert trans.groupby("rule")["n"].sum().to_dict() == {"asco_cap_2018": 1000, "ihc_only": 1000}
    summary = hz.switching_summary(trans).set_index("rule")
    assert summary.loc["ihc_only", "n_zero_to_low"] == 73
    assert summary.loc["ihc_only", "n_low_to_zero"] == 195
    assert summary.loc["ihc_only", "pct_switch_zero_low"] == pytest.approx(37.96, abs=0.01)
    assert np.isfinite(summary.loc["asco_cap_2018", "pct_switch_zero_low"])
