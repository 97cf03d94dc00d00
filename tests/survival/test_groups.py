"""Alteration groups, HER2 restrictions and the disease-specific endpoint in the analysis table
(her2cohort.survival.groups, .table), on hand-built inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError

ALT = sv.Analysis(
    name="alt",
    title="alt",
    group_source="alteration",
    alteration="PIK3CA_mut",
    levels=(sv.WILD_TYPE, sv.ALTERED),
    categorical={"primary_hr_status": ("positive", "negative")},
    models={"crude": ("group",), "adjusted": ("group", "primary_hr_status")},
)


def _matrix() -> pd.DataFrame:
    """P1: one altered sample of two; P2: profiled, never altered; P3: never profiled;
    P4: one unprofiled and one unaltered sample (wild-type)."""
    rows = [
        ("s1a", "P1", 0, 0),
        ("s1b", "P1", 1, pd.NA),
        ("s2", "P2", 0, 1),
        ("s3", "P3", pd.NA, pd.NA),
        ("s4a", "P4", pd.NA, 0),
        ("s4b", "P4", 0, 0),
    ]
    m = pd.DataFrame(rows, columns=["sample_id", "patient_id", "PIK3CA_mut", "PTEN_alt"])
    return m.astype({"PIK3CA_mut": "Int8", "PTEN_alt": "Int8"})


def _clinical(**extra: list) -> pd.DataFrame:
    n = 4
    base = {
        "patient_id": [f"P{i}" for i in range(1, n + 1)],
        "sample_id": [f"s{i}" for i in range(1, n + 1)],
        "os_months": [10.0, 20.0, 30.0, 40.0],
        "os_event": [1.0, 0.0, 1.0, 1.0],
        "primary_hr_status": ["positive"] * n,
    }
    return pd.DataFrame({**base, **extra})


def test_patient_alteration_altered_wild_type_and_not_profiled():
    got = sv.patient_alteration(_matrix(), "PIK3CA_mut")
    assert got.loc["P1"] == sv.ALTERED  # any sample altered
    assert got.loc["P2"] == sv.WILD_TYPE and got.loc["P4"] == sv.WILD_TYPE
    assert pd.isna(got.loc["P3"])  # never profiled
    with pytest.raises(DataError, match="ESR1_mut is not in the alteration matrix"):
        sv.patient_alteration(_matrix(), "ESR1_mut")


def test_alteration_group_excludes_the_never_profiled_and_counts_them():
    data, warn = sv.build_analysis_table(_clinical(), None, ALT, sv.Settings(), _matrix())
    assert data.set_index("patient_id")["group"].to_dict() == {
        "P1": "altered",
        "P2": "wild-type",
        "P4": "wild-type",
    }
    count = warn.set_index("check")["count"]
    assert count["PIK3CA_mut never profiled (no sequenced sample covers it)"] == 1
    assert count["group altered"] == 1 and count["group wild-type"] == 2
    with pytest.raises(DataError, match="needs the alteration matrix"):
        sv.build_analysis_table(_clinical(), None, ALT, sv.Settings())


def test_alteration_caveat_names_the_events_the_study_did_not_profile():
    summary = pd.DataFrame(
        {
            "alteration": ["PIK3CA_mut", "PTEN_alt"],
            "events": ["mutation", "mutation,deep_deletion"],
            "profiles_in_study": ["mutations", "mutations"],
        }
    )
    assert sv.alteration_caveat(summary, "PIK3CA_mut") == ""
    caveat = sv.alteration_caveat(summary, "PTEN_alt")
    assert caveat == (
        "PTEN_alt: deep_deletion not profiled (no CNA file in this copy of the study): called "
        "from mutation only"
    )
    pten = sv.Analysis(**{**ALT.as_dict(), "alteration": "PTEN_alt"})
    _, warn = sv.build_analysis_table(_clinical(), None, pten, sv.Settings(), _matrix(), summary)
    row = warn[warn["check"] == caveat].iloc[0]
    assert row["count"] == 3 and row["action"].startswith("kept")  # the profiled patients


def test_her2_category_restriction_reads_the_analysis_her2_rule():
    cats = pd.DataFrame(
        {
            "sample_id": ["s1", "s2", "s3", "s4"],
            "patient_id": ["P1", "P2", "P3", "P4"],
            "rule": "asco_cap_2018",
            "zero_one_plus": "zero",
            "tissue": "primary",
            "her2_category": ["HER2-positive", "HER2-low", "HER2-positive", "unknown"],
        }
    )
    a = sv.Analysis(
        **{
            **ALT.as_dict(),
            "where": {sv.HER2_WHERE: ("HER2-positive",)},
            "her2_rule": "asco_cap_2018",
            "her2_zero_one": "zero",
        }
    )
    data, warn = sv.build_analysis_table(_clinical(), cats, a, sv.Settings(), _matrix())
    assert data["patient_id"].tolist() == ["P1"]  # P3 never profiled, P2/P4 not HER2-positive
    assert warn.set_index("check")["count"]["her2_category not in {HER2-positive}"] == 2
    assert sv.HER2_WHERE not in data.columns


def test_expand_analyses_alteration_group_and_her2_restriction():
    from survival.conftest import survival_config

    block = survival_config(
        {
            "analyses": {
                "p": {
                    "group": {"alteration": "PIK3CA_mut"},
                    "levels": ["wild-type", "altered"],
                    "where": {"her2_category": ["HER2-positive"]},
                    "sensitivity": [{"rule": "ihc_only"}],
                },
                "bad": {"group": {"alteration": "PTEN_alt"}, "levels": ["wt", "mut"]},
            }
        }
    )
    her2 = {"default_rule": "asco_cap_2018", "zero_one_plus": {}}
    with pytest.raises(DataError, match="an alteration group's levels are wild-type and altered"):
        sv.expand_analyses(block, her2)
    del block["analyses"]["bad"]
    out = sv.expand_analyses(block, her2)
    assert out["p"].alteration == "PIK3CA_mut" and out["p"].her2_tissue == "primary"
    assert out["p"].her2_rule == "asco_cap_2018" and out["p"].endpoint == "os"
    assert out["p__ihc_only_low"].sensitivity_of == "p"


# ------------------------------------------------------------------ disease-specific survival
DSS = sv.Analysis(
    name="dss",
    title="dss",
    group_source="subtype",
    levels=("A", "B"),
    models={"crude": ("group",)},
    endpoint="dss",
)


def test_dss_cause_codes_from_vital_status():
    vital = pd.Series(["alive", "disease", "other", pd.NA], dtype="string")
    assert sv.cause_codes(vital).tolist() == [0, 1, 2, pd.NA]
    clin = _clinical(
        subtype=["A", "B", "A", "B"],
        vital_status=["disease", "alive", "other", pd.NA],
    )
    data, warn = sv.build_analysis_table(clin, None, DSS, sv.Settings())
    assert list(data.columns) == ["patient_id", "group", "time", "event", "entry", "cause"]
    d = data.set_index("patient_id")
    assert d["cause"].to_dict() == {"P1": 1, "P2": 0, "P3": 2}
    assert d["event"].to_dict() == {"P1": 1, "P2": 0, "P3": 0}  # death of other causes: censored
    count = warn.set_index("check")
    assert count.loc["missing or unknown vital status (cause of death)", "count"] == 1
    assert count.loc["patients analysed", "action"] == (
        "analysed (1 deaths of the disease, 1 of other causes)"
    )


def test_dss_cause_disagreeing_with_os_status_is_excluded():
    clin = _clinical(
        subtype=["A", "B", "A", "B"],
        vital_status=["alive", "disease", "other", "disease"],  # P1 dead but 'alive'; P2 alive
    )
    data, warn = sv.build_analysis_table(clin, None, DSS, sv.Settings())
    assert data["patient_id"].tolist() == ["P3", "P4"]
    assert warn.set_index("check")["count"]["vital status disagrees with OS status"] == 2


def test_dss_tables_add_the_cumulative_incidence_of_both_causes():
    rng = np.random.default_rng(5)
    n = 80
    cause = rng.choice([0, 1, 2], n, p=[0.4, 0.35, 0.25])
    clin = pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(n)],
            "sample_id": [f"s{i}" for i in range(n)],
            "subtype": rng.choice(["A", "B"], n),
            "os_months": np.round(rng.exponential(40, n), 1) + 0.1,
            "os_event": (cause > 0).astype(float),
            "vital_status": np.array(["alive", "disease", "other"])[cause],
        }
    )
    settings = sv.Settings(km_times=(12.0, 24.0), rmst_taus=(24.0,), period_cuts=(12.0,))
    tables = sv.survival_tables(clin, None, DSS, settings)
    assert tuple(tables) == sv.ANALYSIS_FILES
    cif = tables["cif"]
    assert set(cif["cause"]) == {1, 2} and set(cif["group"]) == {"A", "B"}
    assert cif.groupby(["group", "cause"])["events"].first().sum() == int((cause > 0).sum())
    # the two incidences and the all-cause KM: F1 + F2 = 1 - S at every time
    a = tables["data"][tables["data"]["group"] == "A"]
    km = sv.kaplan_meier(a["time"], a["cause"] > 0)
    f = sum(sv.aalen_johansen(a["time"], a["cause"], of=k)["cif"].to_numpy() for k in (1, 2))
    assert np.allclose(f, 1 - km["surv"].to_numpy())
    assert set(tables["cif_curves"]["cause"]) == {1, 2}
    # KM and Cox are cause-specific: the deaths of the disease only
    assert tables["km"].set_index("group").loc["all", "events"] == int((cause == 1).sum())
    assert set(tables["rmst"]["tau"]) == {24.0} and "ph_violated" in tables["rmst"]
    assert set(tables["periods"]["period"]) == {"0-12", ">12"}
