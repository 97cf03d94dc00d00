"""TCGA BRCA (brca_tcga_mc3) as a default cohort: HER2 counts per rule set from its raw tokens,
the copy-number audit, and the ISH plausibility flags (copy numbers that are total signal counts)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import REPO, shared_study
from her2cohort import harmonize as hz
from her2cohort.clinical import build_clinical, mapped_fields
from her2cohort.config import load_cohort, load_yaml, validate_config
from her2cohort.source import read_study_folder

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def tcga() -> pd.DataFrame:
    config = validate_config(load_yaml(REPO / "config" / "config.yaml"))
    config["cohort_dir"] = str(REPO / "config" / "cohorts")
    cohort = load_cohort(config, "brca_tcga_mc3")
    tables = read_study_folder(shared_study("brca_tcga_mc3"))
    clinical, warnings = build_clinical(cohort, tables.samples, tables.patients)
    assert warnings.empty, warnings  # every raw receptor / OS / subtype token is in a vocabulary
    return clinical


def test_raw_ihc_tokens(tcga: pd.DataFrame) -> None:
    counts = tcga["her2_ihc"].fillna("<NA>").value_counts().to_dict()
    assert counts == {"[Not Available]": 444, "1+": 252, "2+": 185, "3+": 84, "0": 61}


@pytest.mark.parametrize(
    ("ruleset", "zero_one", "expected"),
    [
        ("ihc_only", "low", {"HER2-0": 61, "HER2-low": 437, "HER2-positive": 84, "unknown": 444}),
        # 2+ split by ISH (positive 52 of 185 incl. 1 by ASCO/CAP group 3); unknown: no IHC and
        # no usable ISH (444) plus 2+ without a usable ISH result (7)
        (
            "asco_cap_2018",
            "zero",
            {"HER2-0": 61, "HER2-low": 377, "HER2-positive": 137, "unknown": 451},
        ),
    ],
)
def test_her2_counts_per_ruleset(
    tcga: pd.DataFrame, ruleset: str, zero_one: str, expected: dict
) -> None:
    samples = hz.harmonize_samples(tcga, ruleset, zero_one)
    assert samples["her2_category"].value_counts().to_dict() == expected


def test_no_fish_negative_tumour_is_positive_without_a_flag(tcga: pd.DataFrame) -> None:
    s = hz.harmonize_samples(tcga, "asco_cap_2018", "zero")
    neg_pos = s[(s["ish_status_status"] == "negative") & (s["her2_category"] == "HER2-positive")]
    assert len(neg_pos) == 5 and (neg_pos["ish_flag"].fillna("") != "").all()
    # total signal counts (47-185 'copies' with ratio 1.0-1.7) are not used for the ASCO/CAP group
    odd = s["ish_flag"].fillna("").str.contains("implausible as copies per cell")
    assert odd.sum() == 20
    assert s.loc[odd, "her2_category"].isin(["HER2-0", "HER2-low", "unknown"]).all()


def test_audit_lists_every_copy_number_token(tcga: pd.DataFrame) -> None:
    s = hz.harmonize_samples(tcga, "asco_cap_2018", "zero")
    cohort_fields = mapped_fields(
        load_cohort(
            {"cohort_dir": str(REPO / "config" / "cohorts"), "vocabularies": {}}, "brca_tcga_mc3"
        )
    )
    audit = hz.audit(tcga, cohort_fields, s)
    cn = audit[audit["field"] == "her2_ish_copy_number"].set_index("raw_value")
    raw = set(tcga["her2_ish_copy_number"].fillna("<NA>"))
    assert set(cn.index) == raw and cn["count"].sum() == len(tcga)
    assert cn.loc["not amplified", "parse_status"] == "text"
    bounds = [v for v in raw if v.startswith((">", "<"))]
    assert bounds and (cn.loc[bounds, "parse_status"] == "bound").all()
