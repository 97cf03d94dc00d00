"""One gene identity: symbols resolved to current ones, panels applied (her2cohort.genes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import SHARED
from her2cohort.alterations import (
    Alteration,
    AlterationSet,
    alteration_matrix,
    alteration_tables,
    filter_mutations,
    load_alterations,
)
from her2cohort.errors import DataError
from her2cohort.genes import gene_symbols, resolve_configured, resolve_study, resolve_symbols
from her2cohort.source.tables import StudyTables

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "config" / "alterations.yaml"


def test_table_provenance_and_known_entries() -> None:
    table = gene_symbols()
    assert table.provenance["source_metadata"]["EGSOURCEDATE"] == "2022-Sep12"
    assert {"KMT2C", "PRKN", "ERBB2", "ESR1"} <= table.current
    assert "MLL3" not in table.current
    mll2 = table.aliases[table.aliases["symbol"] == "MLL2"]
    assert set(mll2["current"]) == {"KMT2B", "KMT2D"}


def test_resolve_symbols_rules() -> None:
    chrom = pd.DataFrame({"gene": ["MLL2", "MLL4"], "chromosome": ["12", "chr19"]})
    res = resolve_symbols(
        ["KMT2C", "MLL3", "PARK2", "MLL2", "MLL4", "HIST1H2BC", "CDKN2Ap16INK4A"], chrom
    )
    assert res.mapping == {"MLL3": "KMT2C", "PARK2": "PRKN", "MLL2": "KMT2D", "MLL4": "KMT2B"}
    assert res.how["MLL2"] == "alias on chromosome 12"
    # both candidates on chromosome 6 and no MAF chromosome: left as given, with its candidates
    assert res.ambiguous == {"HIST1H2BC": ["H2BC4", "H2BC5"]}
    # an explicit cohort mapping decides it
    res = resolve_symbols(["HIST1H2BC", "MLL2"], None, {"HIST1H2BC": "H2BC4"})
    assert res.mapping == {"HIST1H2BC": "H2BC4"}
    assert res.ambiguous == {"MLL2": ["KMT2B", "KMT2D"]}
    assert any("MLL2 (KMT2B or KMT2D)" in n for n in res.notes())


def test_resolve_configured_genes() -> None:
    genes, notes = resolve_configured(["MLL3", "KMT2C", "ESR1"], "alterations.yaml: x")
    assert genes == ("KMT2C", "ESR1")  # two symbols of one gene count once
    assert notes == [
        "MLL3 resolved to KMT2C (previous symbol or alias, NCBI Gene 2022-Sep12 (org.Hs.eg.db))"
    ]
    with pytest.raises(
        DataError, match=r"alteration x: gene 'MLL2' is an alias of several genes \(KMT2B, KMT2D\)"
    ):
        resolve_configured(["MLL2"], "alterations.yaml: alteration x")


def _tables(**frames: pd.DataFrame) -> StudyTables:
    samples = pd.DataFrame({"SAMPLE_ID": ["S1", "S2"], "PATIENT_ID": ["P1", "P2"]})
    return StudyTables("x", "folder", samples, samples[["PATIENT_ID"]], **frames)


def test_resolve_study_counts_a_sample_once_per_gene() -> None:
    mut = pd.DataFrame(
        {
            "sample_id": ["S1", "S1", "S2"],
            "gene": ["KMT2C", "MLL3", "MLL3"],
            "chromosome": ["7", "7", "7"],
            "variant_classification": ["Missense_Mutation"] * 3,
            "mutation_status": [pd.NA] * 3,
        }
    )
    cna = pd.DataFrame(
        {
            "sample_id": ["S1", "S1", "S2"],
            "gene": ["MLL3", "KMT2C", "PARK2"],
            "value": [2.0, -2.0, -2.0],
        }
    )
    panels = pd.DataFrame({"panel_id": ["P", "P", "P"], "gene": ["KMT2C", "MLL3", "PRKN"]})
    out = resolve_study(_tables(mutations=mut, cna=cna, gene_panels=panels))
    assert list(out.mutations["gene"]) == ["KMT2C", "KMT2C", "KMT2C"]
    # S1 has a call under both symbols: the current symbol's row is kept
    assert out.cna.to_dict("list") == {
        "sample_id": ["S1", "S2"],
        "gene": ["KMT2C", "PRKN"],
        "value": [-2.0, -2.0],
    }
    assert sorted(out.gene_panels["gene"]) == ["KMT2C", "PRKN"]
    assert out.meta["gene_symbols"]["resolved"]["MLL3"] == {"to": "KMT2C", "how": "alias"}
    assert any("1 call(s) of a sample under two symbols" in n for n in out.notes)


def _maf_samples(genes: set[str]) -> set[str]:
    """Samples with a MAF record of these symbols that cBioPortal's import filter keeps, read
    straight from the file (not through the importer)."""
    maf = pd.read_csv(
        SHARED / "breast_msk_2018" / "data_mutations.txt", sep="\t", comment="#", dtype=str
    )
    maf = maf[maf["Hugo_Symbol"].isin(genes)]
    canon = pd.DataFrame(
        {
            "sample_id": maf["Tumor_Sample_Barcode"],
            "gene": maf["Hugo_Symbol"],
            "variant_classification": maf["Variant_Classification"],
            "mutation_status": maf["Mutation_Status"],
        }
    )
    return set(filter_mutations(canon)["sample_id"])


def _one_row(gene: str, events: tuple[str, ...] = ("mutation",)) -> AlterationSet:
    genes, notes = resolve_configured([gene], "test")
    return AlterationSet([Alteration("row", "x", genes, events, resolved=tuple(notes))])


@pytest.mark.real
def test_real_msk_kmt2c_counts_its_old_symbol(msk_imported) -> None:
    expected = _maf_samples({"KMT2C", "MLL3"})
    assert len(_maf_samples({"KMT2C"})) < len(expected)  # the old symbol adds samples
    by_new = alteration_tables(msk_imported, _one_row("KMT2C")).summary
    by_old = alteration_tables(msk_imported, _one_row("MLL3")).summary
    assert int(by_new["n_altered"].iloc[0]) == len(expected)
    assert int(by_old["n_altered"].iloc[0]) == len(expected)
    assert by_old["genes"].iloc[0] == "KMT2C"
    assert "MLL3 resolved to KMT2C" in by_old["genes_resolved"].iloc[0]
    assert by_new["genes_resolved"].iloc[0] == ""


@pytest.mark.real
def test_real_msk_gene_off_the_panel_is_not_profiled(msk_imported) -> None:
    panels = msk_imported.gene_panels.groupby("panel_id")["gene"].agg(set)
    only_468 = sorted(panels["IMPACT468"] - panels["IMPACT410"] - panels["IMPACT341"])
    assert "AGO2" in only_468 and len(panels["IMPACT468"]) == 468  # KMT2B listed twice, once kept
    matrix, _, _ = alteration_matrix(msk_imported, _one_row("AGO2", ("mutation", "amplification")))
    panel = msk_imported.profiles.query("profile == 'mutations'").set_index("sample_id")["panel_id"]
    on = panel.reindex(matrix["sample_id"]).to_numpy()
    row = matrix["row"]
    assert row[on == "IMPACT341"].isna().all() and (on == "IMPACT341").sum() == 432
    assert row[on == "IMPACT468"].notna().all()


@pytest.mark.real
def test_real_msk_prkn_mutated_samples_are_profiled(msk_imported) -> None:
    mutated = _maf_samples({"PARK2", "PRKN"})
    assert mutated  # the MAF names the gene PARK2 only
    matrix, _, _ = alteration_matrix(msk_imported, _one_row("PRKN"))
    row = matrix.set_index("sample_id")["row"]
    assert (row.reindex(sorted(mutated)) == 1).all()
    assert int((row == 1).sum()) == len(mutated)


@pytest.mark.real
def test_real_msk_published_rows_unchanged_by_panels(msk_tables, msk_imported) -> None:
    """Every gene of the 16 published rows is on IMPACT341: with panels applied each row's altered
    and profiled samples are exactly those without panels."""
    defs = load_alterations(DEFAULT)
    published = AlterationSet(
        [a for a in defs.alterations if not a.extension], defs.mutation_filter
    )
    before, _, _ = alteration_matrix(msk_tables, published)
    after, _, _ = alteration_matrix(msk_imported, published)
    pd.testing.assert_frame_equal(before, after)
    assert after.drop(columns=["sample_id", "patient_id"]).notna().all().all()
