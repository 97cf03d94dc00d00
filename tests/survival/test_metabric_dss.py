"""Disease-specific survival on the real METABRIC study (../shared/cbioportal/brca_metabric): the
causes from VITAL_STATUS, the cause-specific fits, the incidence of both causes and the claims."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import REPO
from her2cohort import survival as sv

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def metabric(config, metabric_clinical):
    from her2cohort.config import load_cohort, validate_config

    cfg = validate_config({**config, "cohort_dir": str(REPO / "config" / "cohorts")})
    cohort = load_cohort(cfg, "brca_metabric")
    analyses = sv.expand_analyses(cohort["survival"], cfg["her2"])
    settings = sv.settings_from_config(cohort["survival"])
    a = analyses["her2pos_subtype_dss"]
    tables = sv.survival_tables(metabric_clinical, None, a, settings)
    return cohort, a, settings, tables


def test_vital_status_maps_to_the_three_causes(metabric_clinical):
    patients = metabric_clinical.drop_duplicates("patient_id")
    counts = patients["vital_status"].value_counts(dropna=False).to_dict()
    # VITAL_STATUS: 646 Died of Disease, 496 Died of Other Causes, 837 Living, 530 missing
    assert (counts["disease"], counts["other"], counts["alive"]) == (646, 496, 837)


def test_her2_positive_disease_deaths(metabric):
    _, _, _, tables = metabric
    data = tables["data"]
    # 247 clinically HER2-positive patients with a subtype: 120 died of the disease, 35 of other
    # causes, 92 alive (counted from the study's files)
    assert len(data) == 247 and np.bincount(data["cause"]).tolist() == [92, 120, 35]
    assert data["event"].sum() == 120  # KM / Cox: deaths of the disease only
    models = tables["models"].set_index("model")
    assert models.loc["adjusted", "events"] == 120
    cif = tables["cif"]
    assert cif.groupby("cause")["events"].sum().div(3).to_dict() == {1: 120, 2: 35}  # 3 times
    her2 = cif[(cif["group"] == "Her2") & (cif["time"] == 60)].set_index("cause")["cif"]
    cause_specific = tables["km"].set_index("group").loc["Her2", "surv_60"]
    assert her2[1] < 1 - cause_specific  # the cause-specific KM complement overstates it
    d = data[data["group"] == "Her2"]
    all_cause = sv.km_at(sv.kaplan_meier(d["time"], d["cause"] > 0), 60).estimate
    assert her2[1] + her2[2] == pytest.approx(1 - all_cause)  # the two causes add up


def test_dss_claims_have_verdict_rows(metabric):
    cohort, a, settings, tables = metabric
    claims = {
        k: v
        for k, v in cohort["survival"]["claims"].items()
        if k == "basal_worst_her2_positive_dss"
    }
    summary = sv.survival_summary(
        [tables["exclusions"]], {a.name: tables}, claims, settings, {a.name: a}
    )
    row = summary.claims.iloc[0]
    assert summary.claims["role"].tolist() == ["primary"] and row["primary"]
    assert row["estimate_of"] == "HR Basal vs Her2"  # the reference level, not a chosen one
    assert row["verdict"] in {"supported", "contradicted", "inconclusive"}
    assert "22 Basal patients, 7 deaths of the disease" in row["reason"]
