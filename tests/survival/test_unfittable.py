"""An analysis that cannot be fitted writes its tables with a status saying why (no exception):
no patient with a known HER2 category, no OS, no deaths, a single group."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import FIXTURES, REPO
from her2cohort import survival as sv
from her2cohort.clinical import build_clinical
from her2cohort.config import load_cohort, load_yaml, validate_config
from her2cohort.harmonize import all_scenarios
from her2cohort.source import read_study_folder

HER2_PRIMARY = ["primary_her2_ihc", "primary_her2_ish_status", "primary_her2_ish_ratio"]


@pytest.fixture(scope="module")
def mini():
    config = validate_config(load_yaml(REPO / "config" / "config.yaml"))
    config["cohort_dir"] = str(FIXTURES / "config" / "cohorts")
    cohort = load_cohort(config, "mini_brca")
    tables = read_study_folder(FIXTURES / "cbioportal" / "mini_brca")
    clinical, _ = build_clinical(cohort, tables.samples, tables.patients)
    analyses = sv.expand_analyses(cohort["survival"], config["her2"])
    return clinical, analyses["her2_all"], sv.settings_from_config(cohort["survival"]), cohort


def _damage(clinical: pd.DataFrame, case: str) -> pd.DataFrame:
    c = clinical.copy()
    if case == "no known HER2":
        c[[*HER2_PRIMARY, "primary_her2_status"]] = pd.NA
    elif case == "no OS":
        c["os_months"] = float("nan")
    elif case == "no deaths":
        c["os_event"] = 0.0
    elif case == "one group":
        for col, value in zip(HER2_PRIMARY, ["0", "Negative", "1.1"], strict=True):
            c[col] = value
    return c


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("no known HER2", "not fitted: no patient in the analysis population"),
        ("no OS", "not fitted: no patient in the analysis population"),
        ("no deaths", "not fitted: no deaths among 46 patients"),
        ("one group", "not fitted: fewer than two groups with patients (HER2-0)"),
    ],
)
def test_unfittable_analysis_writes_tables_with_the_reason(mini, case, why) -> None:
    clinical, analysis, settings, cohort = mini
    damaged = _damage(clinical, case)
    tables = sv.survival_tables(damaged, all_scenarios(damaged), analysis, settings)
    assert list(tables) == list(sv.ANALYSIS_FILES)
    models = tables["models"]
    assert len(models) == 4 and set(models["notes"]) == {why}
    assert tables["cox"].empty and list(tables["cox"].columns) == sv.COX_COLUMNS
    per_analysis = {"her2_all": {k: tables[k] for k in ("cox", "contrasts", "lrt", "models")}}
    summary = sv.survival_summary(
        [tables["exclusions"]], per_analysis, cohort["survival"]["claims"], settings
    )
    assert set(summary.claims["verdict"]) == {"not testable"}
    assert set(summary.claims["reason"]) == {why}


@pytest.mark.parametrize("case", ["no known HER2", "no deaths", "one group"])
def test_unfittable_analysis_still_draws(mini, case, tmp_path) -> None:
    """The figures rule runs on such tables too (an empty panel says why), so the DAG goes on."""
    from her2cohort.figures.survival import survival_figures
    from her2cohort.io import read_tsv, write_tsv

    clinical, analysis, settings, _ = mini
    damaged = _damage(clinical, case)
    tables = sv.survival_tables(damaged, all_scenarios(damaged), analysis, settings)
    for name, table in tables.items():
        write_tsv(table, tmp_path / f"{name}.tsv")
    kinds = ("data", "km_curves", "logrank", "cox", "models")
    read = {k: read_tsv(tmp_path / f"{k}.tsv") for k in kinds}
    figures = survival_figures(read, analysis, settings)
    assert figures.km is not None and figures.forest is not None
