"""The genome-wide comparison (her2cohort.genome): panel-aware counts, the configured rows' statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from her2cohort import enrichment as en
from her2cohort.alterations import Alteration, AlterationSet, alteration_matrix, load_alterations
from her2cohort.genome import gene_comparison, run_gene_comparison
from her2cohort.harmonize import harmonize_samples
from her2cohort.source.tables import StudyTables

COUNTS = ["n_evaluable", "n_her2_0", "n_her2_low", "n_unaltered_her2_0", "n_unaltered_her2_low"]
#: the same 2x2 tables through the same functions: equal up to floating-point summation order
#: (numpy's SIMD sums of a few thousand log-weights, ~n eps) and Brent's xtol 1e-13 on log OR
RTOL = 1e-11
STAT_COLUMNS = [
    "n_evaluable",
    "n_her2_0",
    "n_her2_low",
    "n_unaltered_her2_0",
    "n_unaltered_her2_low",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "fisher_p",
    "mh_odds_ratio",
    "mh_ci_low",
    "mh_ci_high",
    "mh_p",
    "breslow_day_p",
]


def _study() -> tuple[StudyTables, pd.DataFrame]:
    """8 samples: S1-S4 on panel A (GENE1, GENE2), S5-S8 on panel B (GENE1 only); S8 carries a
    GENE2 mutation although B lacks GENE2 (altered counts as profiled)."""
    ids = [f"S{i}" for i in range(1, 9)]
    samples = pd.DataFrame({"SAMPLE_ID": ids, "PATIENT_ID": [f"P{i}" for i in range(1, 9)]})
    mut = pd.DataFrame(
        {
            "sample_id": ["S1", "S2", "S5", "S6", "S1", "S8"],
            "gene": ["GENE1", "GENE1", "GENE1", "GENE1", "GENE2", "GENE2"],
            "variant_classification": ["Missense_Mutation"] * 6,
            "mutation_status": [pd.NA] * 6,
            "chromosome": ["1"] * 6,
        }
    )
    cna = pd.DataFrame({"sample_id": ["S3", "S7"], "gene": ["GENE1", "GENE1"], "value": [2.0, 2.0]})
    panel = ["A"] * 4 + ["B"] * 4
    profiles = pd.concat(
        [
            pd.DataFrame({"sample_id": ids, "profile": p, "panel_id": panel})
            for p in ("mutations", "cna")
        ]
    )
    panels = pd.DataFrame({"panel_id": ["A", "A", "B"], "gene": ["GENE1", "GENE2", "GENE1"]})
    tables = StudyTables(
        "x", "folder", samples, samples[["PATIENT_ID"]], mutations=mut, cna=cna, profiles=profiles,
        gene_panels=panels,
    )  # fmt: skip
    units = pd.DataFrame(
        {
            "sample_id": ids,
            "her2_category": ["HER2-low", "HER2-0", "HER2-low", "HER2-0"] * 2,
            "hr_status": ["positive"] * 4 + ["negative"] * 4,
        }
    )
    return tables, units


def _assert_same_row(got: pd.Series, want: pd.Series) -> None:
    assert got[COUNTS].astype(int).tolist() == want[COUNTS].astype(int).tolist()
    np.testing.assert_allclose(
        got[STAT_COLUMNS].astype(float).to_numpy(),
        want[STAT_COLUMNS].astype(float).to_numpy(),
        rtol=RTOL,
        atol=0,
    )


def test_panel_aware_counts_and_any() -> None:
    tables, units = _study()
    defs = AlterationSet([Alteration("GENE1_mut", "x", ("GENE1",), ("mutation",))])
    g = gene_comparison(tables, units, defs, min_altered=1).set_index(["gene", "event"])
    m = g.loc[("GENE1", "mutation")]
    assert m["configured"] == "GENE1_mut"
    assert (m["n_profiled"], m["n_altered"]) == (8, 4)
    assert (m["n_altered_her2_low"], m["n_profiled_her2_low"]) == (2, 4)
    assert m["pct_altered_her2_0"] == pytest.approx(50.0)
    # GENE2: only panel A (4 samples) holds it, plus S8 whose call makes it profiled
    g2 = g.loc[("GENE2", "mutation")]
    assert (g2["n_profiled"], g2["n_altered"]) == (5, 2)
    # any: GENE1 mutated or amplified in S1, S2, S3, S5, S6, S7
    a = g.loc[("GENE1", "any")]
    assert (a["n_altered"], a["n_profiled"]) == (6, 8)
    assert g.loc[("GENE1", "amplification"), "n_altered"] == 2
    # min_altered counts altered samples of known HER2 category
    assert len(gene_comparison(tables, units, defs, min_altered=3)) == 2  # GENE1 mutation, any


def test_rows_equal_the_configured_rows_statistics() -> None:
    tables, units = _study()
    defs = AlterationSet(
        [
            Alteration("GENE1_mut", "x", ("GENE1",), ("mutation",)),
            Alteration("GENE2_mut", "x", ("GENE2",), ("mutation",)),
        ]
    )
    g = gene_comparison(tables, units, defs, min_altered=1).set_index("configured")
    matrix, _, _ = alteration_matrix(tables, defs)
    table = en.enrichment_table(
        matrix, units["her2_category"], units["hr_status"], defs.table()
    ).set_index("alteration")
    for alt in ("GENE1_mut", "GENE2_mut"):
        got, want = (
            g.loc[alt, STAT_COLUMNS].astype(float),
            table.loc[alt, STAT_COLUMNS].astype(float),
        )
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())


def test_bh_within_each_event_type() -> None:
    tables, units = _study()
    g = gene_comparison(tables, units, AlterationSet([]), min_altered=1)
    for _, sub in g.groupby("event"):
        p = sub["fisher_p"].to_numpy(float)
        ok = np.isfinite(p)
        from statsmodels.stats.multitest import multipletests

        if ok.any():
            np.testing.assert_allclose(
                sub["bh_q"].to_numpy(float)[ok], multipletests(p[ok], method="fdr_bh")[1], rtol=0
            )


@pytest.mark.real
@pytest.mark.parametrize(("rule", "z"), [("ihc_only", "low"), ("asco_cap_2018", "zero")])
def test_real_msk_genes_equal_configured_rows(msk_imported, msk_clinical, rule, z) -> None:
    alts = load_alterations(REPO / "config" / "alterations.yaml")
    samples = harmonize_samples(msk_clinical, rule, z).set_index("sample_id")
    clinical = msk_clinical.set_index("sample_id")
    options = {
        "unit": "sample",
        "confidence": 0.95,
        "genes": {
            "min_altered": 10,
            "events": ["mutation", "amplification", "deep_deletion", "fusion", "any"],
        },
    }
    genes = run_gene_comparison(msk_imported, samples, clinical, alts, options)
    matrix, _, _ = alteration_matrix(msk_imported, alts)
    cats = samples["her2_category"].reindex(matrix["sample_id"])
    hr = clinical["hr_status"].reindex(matrix["sample_id"])
    table = en.enrichment_table(matrix, cats, hr, alts.table()).set_index("alteration")
    by_row = genes.set_index("configured")
    for alt in ("ESR1_mut", "PIK3CA_mut", "MYC_amp"):
        _assert_same_row(by_row.loc[alt], table.loc[alt])
    if rule == "ihc_only":  # the published counts, from the genome-wide table
        esr1 = by_row.loc["ESR1_mut"]
        assert (esr1["n_her2_low"], esr1["n_evaluable"]) == (89, 147)
    # every gene x event once; panel-aware: AGO2 (IMPACT468 only) is profiled on 518 samples at most
    assert not genes.duplicated(["gene", "event"]).any()
    ago2 = genes[(genes["gene"] == "AGO2")]
    assert (ago2["n_profiled"] <= 518).all()


def test_volcano_figure_rings_configured_rows_and_says_when_empty() -> None:
    from matplotlib.collections import PathCollection

    from her2cohort.figures.volcano import volcano_figure

    table = pd.DataFrame(
        {
            "gene": ["A", "B", "C", "A"],
            "event": ["mutation", "amplification", "mutation", "any"],
            "configured": ["A_mut", "", "", ""],
            "odds_ratio": [2.0, 0.5, 1.1, 2.0],
            "bh_q": [0.01, 0.2, 0.9, 0.01],
        }
    )
    fig = volcano_figure(table, "t", label_top=2)
    ax = fig.axes[0]
    ringed = [
        c for c in ax.collections if isinstance(c, PathCollection) and c.get_offsets().shape[0] == 1
    ]
    assert len(ringed) == 1 and ringed[0].get_offsets()[0][0] == pytest.approx(1.0)  # log2(2)
    labels = sorted(t.get_text() for t in ax.texts if t.get_text().endswith(("mut", "amp")))
    assert labels == ["A mut", "B amp"]  # C: q 0.9 is not labelled; 'any' rows are not drawn
    empty = volcano_figure(table.assign(odds_ratio=np.nan), "t")
    assert any("no gene has an odds ratio" in t.get_text() for t in empty.axes[0].texts)
