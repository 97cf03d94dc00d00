"""The analysis table (her2cohort.survival.table): per-patient HER2 category, entry, exclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2cohort import survival as sv
from survival.conftest import HER2_ANALYSIS


def _clinical(rows: list[dict]) -> pd.DataFrame:
    base = {"primary_hr_status": "positive", "age": 50.0, "os_event": 1.0, "diagnosis_time": 100.0}
    return pd.DataFrame([{**base, **r} for r in rows])


def _categories(pairs: list[tuple[str, str, str]], tissue: str = "primary") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "sample_id": s,
                "patient_id": p,
                "rule": "asco_cap_2018",
                "zero_one_plus": "zero",
                "tissue": tissue,
                "her2_category": c,
                "discordant": False,
            }
            for s, p, c in pairs
        ]
    )


def test_highest_category_per_patient():
    assert sv.highest_category(["HER2-0", "HER2-low"]) == "HER2-low"
    assert sv.highest_category(["unknown", "HER2-0"]) == "HER2-0"
    assert sv.highest_category(["HER2-positive", "HER2-low", "unknown"]) == "HER2-positive"
    assert sv.highest_category(["unknown", "unknown"]) == "unknown"
    cats = _categories(
        [
            ("s1", "A", "HER2-0"),
            ("s2", "A", "HER2-low"),
            ("s3", "B", "unknown"),
            ("s4", "B", "HER2-0"),
            ("s5", "C", "unknown"),
        ]
    )
    other = _categories(
        [("s1", "A", "HER2-positive")], tissue="sequenced"
    )  # another tissue: ignored
    got = sv.patient_her2(pd.concat([cats, other]), "asco_cap_2018", "zero", "primary")
    assert got.to_dict() == {"A": "HER2-low", "B": "HER2-0", "C": "unknown"}


def test_entry_is_first_sequencing_rounded_and_clipped():
    clin = _clinical(
        [
            {
                "patient_id": "A",
                "sample_id": "a1",
                "diagnosis_time": 444.87,
                "sequencing_time": 445.0,
            },
            {
                "patient_id": "A",
                "sample_id": "a2",
                "diagnosis_time": 444.87,
                "sequencing_time": 460.0,
            },
            {
                "patient_id": "B",
                "sample_id": "b1",
                "diagnosis_time": 100.4,
                "sequencing_time": 100.0,
            },
        ]
    )
    e = sv.entry_times(clin, 2)
    assert e.loc["A", "entry"] == 0.13  # not 0.12999999999998
    assert e.loc["B", "entry_raw"] == -0.4 and e.loc["B", "entry"] == 0.0


def test_analysis_table_counts_every_exclusion_and_late_entry():
    clin = _clinical(
        [
            # kept, entry 2.0
            {"patient_id": "A", "sample_id": "a1", "sequencing_time": 102.0, "os_months": 30.0},
            # late entry: sequenced 40 months after diagnosis, followed 30 -> dropped from
            # truncated fits
            {"patient_id": "B", "sample_id": "b1", "sequencing_time": 140.0, "os_months": 30.0},
            # negative entry (sequenced before diagnosis) -> clipped to 0
            {
                "patient_id": "C",
                "sample_id": "c1",
                "sequencing_time": 99.5,
                "os_months": 12.0,
                "os_event": 0.0,
            },
            # missing OS status
            {
                "patient_id": "D",
                "sample_id": "d1",
                "sequencing_time": 101.0,
                "os_months": 12.0,
                "os_event": np.nan,
            },
            # HER2 unknown
            {"patient_id": "E", "sample_id": "e1", "sequencing_time": 101.0, "os_months": 12.0},
            # HR status missing
            {
                "patient_id": "F",
                "sample_id": "f1",
                "sequencing_time": 101.0,
                "os_months": 12.0,
                "primary_hr_status": None,
            },
            # OS of 0: kept for naive fits, a late entry for truncated ones
            {"patient_id": "G", "sample_id": "g1", "sequencing_time": 100.0, "os_months": 0.0},
        ]
    )
    cats = _categories(
        [
            ("a1", "A", "HER2-low"),
            ("b1", "B", "HER2-0"),
            ("c1", "C", "HER2-positive"),
            ("d1", "D", "HER2-0"),
            ("e1", "E", "unknown"),
            ("f1", "F", "HER2-0"),
            ("g1", "G", "HER2-0"),
        ]
    )
    data, warn = sv.build_analysis_table(
        clin, cats, HER2_ANALYSIS, sv.Settings(left_truncation=True)
    )
    assert data["patient_id"].tolist() == ["A", "B", "C", "G"]
    assert list(data.columns) == [
        "patient_id",
        "group",
        "time",
        "event",
        "entry",
        "primary_hr_status",
        "age",
    ]
    assert data.set_index("patient_id")["entry"].to_dict() == {
        "A": 2.0,
        "B": 40.0,
        "C": 0.0,
        "G": 0.0,
    }
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
    a = sv.Analysis(
        name="sub",
        title="sub",
        group_source="subtype",
        levels=("Her2", "Basal"),
        numeric=("age",),
        where={"her2_status": ("positive",)},
        models={"m": ("group", "age")},
    )
    clin = _clinical(
        [
            {
                "patient_id": "A",
                "sample_id": "a",
                "subtype": "Basal",
                "her2_status": "positive",
                "os_months": 5.0,
            },
            {
                "patient_id": "B",
                "sample_id": "b",
                "subtype": "LumA",
                "her2_status": "positive",
                "os_months": 5.0,
            },
            {
                "patient_id": "C",
                "sample_id": "c",
                "subtype": None,
                "her2_status": "positive",
                "os_months": 5.0,
            },
            {
                "patient_id": "D",
                "sample_id": "d",
                "subtype": "Her2",
                "her2_status": "negative",
                "os_months": 5.0,
            },
            {
                "patient_id": "E",
                "sample_id": "e",
                "subtype": "Her2",
                "her2_status": "positive",
                "os_months": 5.0,
            },
        ]
    )
    data, warn = sv.build_analysis_table(clin, None, a, sv.Settings())
    assert data["patient_id"].tolist() == ["A", "E"]
    assert data["entry"].isna().all()
    count = warn.set_index("check")["count"]
    assert count["missing subtype"] == 1
    assert count["group LumA not in the analysis levels"] == 1
    assert count["her2_status not in {positive}"] == 1


def test_conflicting_patient_values_are_missing_and_counted():
    clin = _clinical(
        [
            {
                "patient_id": "A",
                "sample_id": "a1",
                "age": 50.0,
                "os_months": 5.0,
                "sequencing_time": 101.0,
            },
            {
                "patient_id": "A",
                "sample_id": "a2",
                "age": 51.0,
                "os_months": 5.0,
                "sequencing_time": 101.0,
            },
        ]
    )
    cats = _categories([("a1", "A", "HER2-0")])
    data, warn = sv.build_analysis_table(clin, cats, HER2_ANALYSIS, sv.Settings())
    assert data.empty
    count = warn.set_index("check")["count"]
    assert count["age differs between a patient's samples"] == 1
    assert count["missing age"] == 1


def test_as_written_is_the_table_its_tsv_gives(tmp_path):
    from her2cohort.io import write_tsv

    data = pd.DataFrame(
        {
            "patient_id": ["0012", "B"],
            "group": ["x", "y"],
            "time": [0.1 + 0.2, 3.0],
            "entry": [np.nan, 1.0],
            "stage": ["1", "2"],
        }
    )
    write_tsv(data, tmp_path / "data.tsv")
    pd.testing.assert_frame_equal(sv.as_written(data), sv.read_table(tmp_path / "data.tsv"))
    assert sv.as_written(data)["time"].iloc[0] == 0.1 + 0.2  # full precision
