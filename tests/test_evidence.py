"""The claims registry and the evidence table (her2cohort.evidence)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from her2cohort.contingency import odds_ratio_exact, wilson
from her2cohort.errors import DataError
from her2cohort.evidence import CohortInputs, evaluate_cohort, evaluate_published, load_claims
from her2cohort.evidence import verdicts as v
from her2cohort.evidence.registry import Claim
from her2cohort.source.tables import StudyTables

CLAIMS = REPO / "config" / "claims.yaml"


def test_registry_loads_every_claim_of_the_issue() -> None:
    claims = {c.id: c for c in load_claims(CLAIMS)}
    assert len(claims) >= 14
    assert claims["esr1_mut_her2_low_er_pos"].spec["where"] == {"er_status": ["positive"]}
    assert claims["her2_zero_low_switching"].rule["range"] == [0.25, 0.34]
    assert {c.kind for c in claims.values()} == {
        "share_vs_baseline", "alteration_by_her2", "proportion", "printed_arithmetic", "survival",
        "heterogeneity",
    }  # fmt: skip


def test_registry_errors(tmp_path) -> None:
    bad = tmp_path / "claims.yaml"
    bad.write_text(
        "claims:\n"
        "  - {id: a, quote: q, source: {document: d, location: l}, kind: proportion, of: switching,"
        " rule: {kind: range, range: [0.1, 0.2]}}\n"
        "  - {id: a, quote: q, source: {document: d, location: l}, kind: proportion, of: switching,"
        " rule: {kind: range, range: [0.1, 0.2]}}\n"
    )
    with pytest.raises(DataError, match="duplicated claim id"):
        load_claims(bad)
    bad.write_text(
        "claims:\n  - {id: a, quote: q, source: {document: d, location: l}, kind: alteration_by_her2,"
        " alteration: {genes: [ESR1], events: [mutation]}, rule: {kind: direction}}\n"
    )
    with pytest.raises(DataError, match="a direction rule names higher or lower"):
        load_claims(bad)


@pytest.mark.parametrize(
    ("est", "lo", "hi", "p", "way", "verdict"),
    [
        (1.8, 1.2, 2.7, 0.004, "higher", "supported"),
        (0.6, 0.4, 0.9, 0.01, "higher", "contradicted"),  # significant, opposite direction
        (1.02, 0.85, 1.2, 0.8, "higher", "contradicted"),  # CI inside the 0.8-1.25 margin
        (1.3, 0.7, 2.4, 0.4, "higher", "inconclusive"),
        (0.6, 0.4, 0.9, 0.01, "lower", "supported"),
        (float("nan"), float("nan"), float("nan"), float("nan"), "lower", "inconclusive"),
    ],
)
def test_direction_rule(est, lo, hi, p, way, verdict) -> None:
    assert v.direction(est, lo, hi, p, 0.05, way, [0.8, 1.25]).verdict == verdict


def test_similar_and_range_and_majority_rules() -> None:
    assert v.similar(1.0, 0.85, 1.2, 0.9, 0.05, [0.8, 1.25]).verdict == "supported"
    assert v.similar(1.0, 0.7, 1.4, 0.9, 0.05, [0.8, 1.25]).verdict == "inconclusive"
    assert v.similar(1.5, 1.1, 2.0, 0.01, 0.05, [0.8, 1.25]).verdict == "contradicted"
    assert v.in_range(0.30, 0.26, 0.34, [0.25, 0.34]).verdict == "supported"
    assert v.in_range(0.40, 0.37, 0.44, [0.25, 0.34]).verdict == "contradicted"
    r = v.in_range(0.089, 0.060, 0.131, [0.10, 0.18])
    assert r.verdict == "inconclusive" and "8.9%" in r.reason
    assert v.majority(9, 12, 16, 0.05).verdict == "supported"
    assert v.majority(2, 8, 16, 0.05).verdict == "contradicted"  # 8 of 16 is not "most"
    assert v.majority(2, 12, 16, 0.05).verdict == "inconclusive"


def test_published_arithmetic_names_nf1() -> None:
    from her2cohort.io import read_tsv

    table = evaluate_published(
        load_claims(CLAIMS), read_tsv(REPO / "config/published/her2_low_table.tsv")
    )
    row = table.iloc[0]
    assert row["verdict"] == "contradicted"
    assert "NF1_alt: printed 67% but 52/93 is 55.9%" in row["reason"]


def _cohort() -> CohortInputs:
    """12 samples: ESR1 mutated in 4 of 6 HER2-low and 1 of 4 HER2-0; ER+ all but S12."""
    ids = [f"S{i}" for i in range(1, 13)]
    samples = pd.DataFrame({"SAMPLE_ID": ids, "PATIENT_ID": ids})
    mut = pd.DataFrame(
        {
            "sample_id": ["S1", "S2", "S3", "S4", "S7"],
            "gene": ["ESR1"] * 5,
            "variant_classification": ["Missense_Mutation"] * 5,
            "mutation_status": [pd.NA] * 5,
        }
    )
    profiles = pd.DataFrame({"sample_id": ids, "profile": "mutations", "panel_id": pd.NA})
    tables = StudyTables(
        "x", "folder", samples, samples[["PATIENT_ID"]], mutations=mut, profiles=profiles
    )
    cat = ["HER2-low"] * 6 + ["HER2-0"] * 4 + ["HER2-positive"] * 2
    categories = pd.DataFrame(
        {
            "sample_id": ids,
            "rule": "ihc_only",
            "zero_one_plus": "low",
            "tissue": "sequenced",
            "her2_category": cat,
        }
    )
    clinical = pd.DataFrame(
        {
            "patient_id": ids,
            "er_status": ["positive"] * 11 + ["negative"],
            "sequencing_time": np.nan,
        },
        index=ids,
    )
    her2 = pd.DataFrame({"her2_category": cat, "sample_type": "metastasis"}, index=ids)
    switching = pd.DataFrame(
        {"rule": ["ihc_only"], "zero_one_plus": ["low"], "n_metastatic_both_known": [40],
         "n_zero_or_low_both": [30], "n_zero_to_low": [4], "n_low_to_zero": [5], "pct_switch_zero_low": [30.0]}
    )  # fmt: skip
    return CohortInputs(
        cohort="toy", label="toy", default_rule="ihc_only", zero_one={"ihc_only": "low"},
        clinical=clinical, samples={"ihc_only": her2}, categories=categories, switching=switching,
        tables=tables,
    )  # fmt: skip


def _claim(kind: str, **spec) -> Claim:
    return Claim("c", "q", "s", kind, {"kind": kind, **spec})


def test_alteration_by_her2_on_a_hand_built_cohort() -> None:
    rule = {"kind": "direction", "direction": "higher", "alpha": 0.05, "equivalence": [0.8, 1.25]}
    claim = _claim("alteration_by_her2", alteration={"genes": ["ESR1"], "events": ["mutation"]},
                   where={"er_status": ["positive"]}, rule=rule)  # fmt: skip
    row = evaluate_cohort([claim], _cohort()).iloc[0]
    est, lo, hi, p = odds_ratio_exact(np.array([[4, 1], [2, 3]]))
    assert (row["estimate"], row["ci_low"], row["ci_high"], row["p"]) == pytest.approx(
        (est, lo, hi, p), rel=1e-12
    )
    assert row["detail"] == "66.7% of 6 HER2-low vs 25.0% of 4 HER2-0"
    assert row["role"] == "primary" and row["verdict"] == "inconclusive"
    # an amplification claim in a study without CNA: not testable, and why
    amp = _claim(
        "alteration_by_her2", alteration={"genes": ["ESR1"], "events": ["amplification"]}, rule=rule
    )
    row = evaluate_cohort([amp], _cohort()).iloc[0]
    assert row["verdict"] == "not testable"
    assert row["reason"] == "not testable here: no CNA file in this copy of the study"


def test_switching_proportion_and_minimum() -> None:
    claim = _claim(
        "proportion", of="switching", min_n=20, rule={"kind": "range", "range": [0.25, 0.34]}
    )
    row = evaluate_cohort([claim], _cohort()).iloc[0]
    lo, hi = wilson(9, 30)
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((0.3, lo, hi))
    assert row["verdict"] == "supported"
    few = _claim(
        "proportion", of="switching", min_n=31, rule={"kind": "range", "range": [0.25, 0.34]}
    )
    assert (
        evaluate_cohort([few], _cohort()).iloc[0]["reason"]
        == "not testable here: 30 < 31 (too few to estimate)"
    )


def test_survival_claim_without_an_analysis_is_not_testable() -> None:
    claim = _claim("survival", survival_claim="basal_worst", needs="OS and a PAM50 subtype")
    row = evaluate_cohort([claim], _cohort()).iloc[0]
    assert (
        row["reason"]
        == "not testable here: no analysis configured for it (needs OS and a PAM50 subtype)"
    )


@pytest.mark.real
def test_real_msk_esr1_er_positive(msk_imported, msk_clinical) -> None:
    """Claim 2 on breast_msk_2018 (asco_cap_2018, 0-1+ as HER2-0): counted independently."""
    from her2cohort.alterations import Alteration, AlterationSet, alteration_matrix
    from her2cohort.harmonize import harmonize_samples

    samples = harmonize_samples(msk_clinical, "asco_cap_2018", "zero").set_index("sample_id")
    clinical = msk_clinical.set_index("sample_id")
    cats = pd.DataFrame({"sample_id": samples.index, "rule": "asco_cap_2018", "zero_one_plus": "zero",
                         "tissue": "sequenced", "her2_category": samples["her2_category"].to_numpy()})  # fmt: skip
    inp = CohortInputs(cohort="breast_msk_2018", label="msk", default_rule="asco_cap_2018",
                       zero_one={"asco_cap_2018": "zero"}, clinical=clinical, samples={"asco_cap_2018": samples},
                       categories=cats, tables=msk_imported)  # fmt: skip
    claim = next(c for c in load_claims(CLAIMS) if c.id == "esr1_mut_her2_low_er_pos")
    row = evaluate_cohort([claim], inp).iloc[0]
    m, _, _ = alteration_matrix(
        msk_imported, AlterationSet([Alteration("e", "x", ("ESR1",), ("mutation",))])
    )
    m = m.set_index("sample_id")["e"]
    er = clinical["er_status"].reindex(m.index).eq("positive").fillna(False)
    cat = samples["her2_category"].reindex(m.index)
    n_low = int((er & (cat == "HER2-low") & m.notna()).sum())
    k_low = int((er & (cat == "HER2-low") & (m == 1)).sum())
    n_zero = int((er & (cat == "HER2-0") & m.notna()).sum())
    k_zero = int((er & (cat == "HER2-0") & (m == 1)).sum())
    assert row["detail"].startswith(
        f"{100 * k_low / n_low:.1f}% of {n_low} HER2-low vs {100 * k_zero / n_zero:.1f}% of {n_zero} HER2-0"
    )
    assert row["n"] == n_low + n_zero
    assert row["verdict"] in {"supported", "contradicted", "inconclusive"}
