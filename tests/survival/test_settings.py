"""Survival settings and analyses (her2cohort.survival.settings) from the configuration."""

from __future__ import annotations

import pytest

from her2cohort import survival as sv
from her2cohort.errors import DataError
from survival.conftest import REPO, survival_config


def test_configured_analyses_expand_with_sensitivity_variants():
    from her2cohort.config import load_cohort, load_yaml, validate_config

    config = validate_config(load_yaml(REPO / "config" / "config.yaml"))
    config["cohort_dir"] = str(REPO / "config" / "cohorts")
    msk = sv.expand_analyses(load_cohort(config, "breast_msk_2018")["survival"], config["her2"])
    assert msk["her2_all"].her2_rule == config["her2"]["default_rule"]
    variants = {
        (a.her2_rule, a.her2_zero_one) for a in msk.values() if a.sensitivity_of == "her2_all"
    }
    assert len(variants) == 3 and ("ihc_only", "low") in variants
    metabric = load_cohort(config, "brca_metabric")
    assert sv.settings_from_config(metabric["survival"]).truncations == ("none",)
    assert sv.claim_analyses(metabric["survival"]["claims"]) == [
        "her2pos_pik3ca",
        "her2pos_pten",
        "her2pos_subtype",
        "her2pos_subtype_dss",
        "subtype_her2_all",
        "subtype_her2_all_dss",
    ]


def test_undeclared_model_term_is_a_config_error():
    spec_ = survival_config(
        {
            "analyses": {
                "x": {
                    "group": {"column": "subtype"},
                    "levels": ["a", "b"],
                    "models": {"m": ["group", "stage"]},
                }
            }
        }
    )
    with pytest.raises(DataError, match="undeclared term"):
        sv.expand_analyses(spec_, {"default_rule": "asco_cap_2018", "zero_one_plus": {}})


def test_settings_defaults_are_the_schema_defaults():
    assert sv.settings_from_config(survival_config({})) == sv.Settings()


def test_her2_group_takes_the_rule_sets_zero_one_assignment_unless_given():
    her2 = {"default_rule": "asco_cap_2018", "zero_one_plus": {"asco_cap_2018": "low"}}
    spec_ = survival_config(
        {
            "analyses": {
                "a": {"group": {"her2": {}}, "levels": ["HER2-0", "HER2-low"]},
                "b": {
                    "group": {"her2": {"rule": "ihc_only"}},
                    "levels": ["HER2-0", "HER2-low"],
                    "sensitivity": [{"zero_one_plus": "unknown"}],
                },
            }
        }
    )
    analyses = sv.expand_analyses(spec_, her2)
    assert (analyses["a"].her2_rule, analyses["a"].her2_zero_one) == ("asco_cap_2018", "low")
    assert (analyses["b"].her2_rule, analyses["b"].her2_zero_one) == ("ihc_only", "low")  # terms
    assert analyses["a"].her2_tissue == "primary" and analyses["a"].models == {"crude": ("group",)}
    variant = analyses["b__ihc_only_unknown"]
    assert variant.sensitivity_of == "b" and variant.her2_zero_one == "unknown"


def test_analysis_and_settings_round_trip_as_plain_dicts():
    a = sv.Analysis(
        name="x",
        title="x",
        group_source="her2",
        levels=("HER2-0", "HER2-low"),
        categorical={"hr": ("positive", "negative")},
        models={"m": ("group", "hr")},
        comparisons=(("m", "m"),),
        her2_rule="ihc_only",
        her2_zero_one="low",
    )
    assert sv.Analysis.of(a.as_dict()) == a and sv.Analysis.of(a) is a
    s = sv.Settings(left_truncation=True, km_times=(6.0,), concordance_tau=None)
    assert sv.Settings.of(s.as_dict()) == s
    assert repr(s.as_dict()) == repr(sv.Settings.of(s.as_dict()).as_dict())
