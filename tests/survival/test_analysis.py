"""One analysis end to end and a cohort's summary (her2cohort.survival.analysis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2cohort import survival as sv
from survival.conftest import EDGE, fixture, synthetic


def test_run_analysis_tables_have_the_documented_columns():
    a, data, truncs = fixture("breast_msk_2018", "her2_hrpos")
    settings = sv.Settings(left_truncation=True)
    tables = sv.run_analysis(data, a, settings)
    assert set(tables) == set(sv.ANALYSIS_TABLES)
    assert list(tables["cox"].columns) == [
        "term",
        "hr",
        "ci_low",
        "ci_high",
        "p",
        "n",
        "events",
        "model",
        "truncation",
    ]
    assert set(tables["cox"]["truncation"]) == {"none", "left"}
    assert set(tables["ph_test"]["term"]) >= {"group", "age", "GLOBAL"}
    assert tables["models"]["loglik"].notna().all()


def test_level_without_deaths_is_not_estimable_and_absent_level_is_skipped():
    tables = sv.run_analysis(synthetic(), EDGE, sv.Settings(left_truncation=True))
    cox = tables["cox"]
    assert "group:D" not in set(cox["term"])  # no patients: no dummy
    c = cox[cox["term"] == "group:C"]
    assert c["hr"].isna().all() and c["p"].isna().all()
    assert cox.loc[cox["term"] == "group:B", "hr"].notna().all()
    assert tables["models"]["notes"].str.contains("group:C: no deaths").all()
    km = tables["km"].set_index(["truncation", "group"])
    assert km.loc[("none", "D"), "n"] == 0 and np.isnan(km.loc[("none", "C"), "median"])


def _clinical_and_categories(n: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    d = synthetic(n=n)
    clinical = pd.DataFrame(
        {
            "patient_id": d["patient_id"],
            "sample_id": d["patient_id"] + "s",
            "subtype": d["group"],
            "os_months": d["time"],
            "os_event": d["event"].astype(float),
            "age": d["age"],
            "diagnosis_time": 10.0,
            "sequencing_time": 10.0 + d["entry"],
        }
    )
    return clinical, pd.DataFrame(columns=["patient_id", "rule", "zero_one_plus", "tissue"])


def test_survival_tables_writes_every_analysis_file_fitted_as_written():
    clinical, categories = _clinical_and_categories()
    analysis = sv.Analysis(
        name="sub",
        title="sub",
        group_source="subtype",
        levels=("A", "B"),
        numeric=("age",),
        models={"crude": ("group",), "adj": ("group", "age")},
        comparisons=(("crude", "adj"),),
    )
    settings = sv.Settings(left_truncation=True, km_times=(12.0,))
    tables = sv.survival_tables(clinical, categories, analysis.as_dict(), settings.as_dict())
    assert tuple(tables) == sv.ANALYSIS_FILES
    written = sv.as_written(tables["data"])
    for name, table in sv.run_analysis(written, analysis, settings).items():
        pd.testing.assert_frame_equal(tables[name], table)
    expected = sv.km_curves(written, analysis.levels, settings.truncations)
    pd.testing.assert_frame_equal(tables["km_curves"], expected)
    assert set(tables["km_curves"]["truncation"]) == {"none", "left"}
    assert len(tables["lrt"]) == 2  # one LR test per truncation


def test_survival_summary_collects_warnings_and_judges_claims():
    clinical, categories = _clinical_and_categories()
    analysis = sv.Analysis(
        name="sub",
        title="sub",
        group_source="subtype",
        levels=("A", "B"),
        models={"crude": ("group",)},
    )
    settings = sv.Settings()
    tables = sv.survival_tables(clinical, categories, analysis, settings)
    claims = {
        "c": {
            "claim": "B differs",
            "analysis": "sub",
            "model": "crude",
            "rule": {
                "kind": "difference",
                "term": "group:B",
                "alpha": 0.05,
                "equivalence": [0.8, 1.25],
            },
        }
    }
    summary = sv.survival_summary(
        [tables["exclusions"], tables["exclusions"]],
        {"sub": {k: tables[k] for k in ("cox", "contrasts", "lrt")}},
        claims,
        settings.as_dict(),
    )
    assert len(summary.warnings) == 2 * len(tables["exclusions"])
    assert summary.claims["truncation"].tolist() == ["none"] and summary.claims["primary"].all()
    assert summary.claims["verdict"].iloc[0] in {"supported", "contradicted", "inconclusive"}
