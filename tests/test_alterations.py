"""Alteration calls: cBioPortal conventions, panel-aware 'not profiled', real counts."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import FIXTURES, REPO
from her2cohort.alterations import (
    Alteration,
    AlterationSet,
    alteration_matrix,
    filter_mutations,
    load_alterations,
)
from her2cohort.errors import DataError
from her2cohort.source import read_study_folder

MINI = FIXTURES / "cbioportal" / "mini_brca"
DEFAULT = REPO / "config" / "alterations.yaml"

PUBLISHED_IDS = [
    "ESR1_mut",
    "FOXA1_mut",
    "ARID1A_mut",
    "CTCF_mut",
    "TBX3_mut",
    "MYC_amp",
    "KRAS_mut",
    "NF1_alt",
    "ERBB2_mut",
    "FGFR1_2_alt",
    "EGFR_amp",
    "IGF1R_amp",
    "AKT1_alt",
    "AKT2_amp",
    "PIK3CA_mut",
    "PTEN_alt",
]
EXTENSION_IDS = [
    "GATA3_mut",
    "MTOR_mut",
    "CCND1_amp",
    "CDK4_amp",
    "RB1_loss",
    "FGFR4_alt",
    "BRAF_mut",
]


def test_default_definitions() -> None:
    alts = load_alterations(DEFAULT)
    table = alts.table()
    assert table.loc[~table["extension"], "alteration"].tolist() == PUBLISHED_IDS
    assert table.loc[table["extension"], "alteration"].tolist() == EXTENSION_IDS
    by_id = {a.id: a for a in alts.alterations}
    assert by_id["FGFR1_2_alt"].genes == ("FGFR1", "FGFR2")
    assert by_id["FGFR1_2_alt"].events == ("mutation", "amplification", "fusion")
    assert by_id["NF1_alt"].events == ("mutation", "deep_deletion")
    assert set(table.loc[~table["extension"], "mechanism"]) == {
        "ER",
        "transcription factor",
        "MAPK/RTK",
        "PI3K/AKT/mTOR",
    }


def test_bad_definition_file(tmp_path) -> None:
    bad = tmp_path / "alts.yaml"
    bad.write_text("alterations:\n  - {id: X, mechanism: m, genes: [A], events: [gain]}\n")
    with pytest.raises(DataError, match=r"alts.yaml: alterations/0/events/0: 'gain' is not one of"):
        load_alterations(bad)


def test_import_filter() -> None:
    muts = pd.DataFrame(
        {
            "gene": ["A", "A", "TERT", "B", "B", "C", "Unknown", "D"],
            "variant_classification": [
                "Silent",
                "Splice_Region",
                "5'Flank",
                "5'Flank",
                "3'UTR",
                "Missense_Mutation",
                "IGR",
                "Nonsense_Mutation",
            ],
            "mutation_status": [
                "SOMATIC",
                "SOMATIC",
                "SOMATIC",
                "SOMATIC",
                "SOMATIC",
                "LOH",
                None,
                "Germline",
            ],
        }
    )
    kept = filter_mutations(muts)
    assert kept["gene"].tolist() == ["A", "TERT", "D"]


def _mini_matrix():
    tables = read_study_folder(MINI)
    alts = AlterationSet(
        [
            Alteration("ESR1_mut", "ER", ("ESR1",), ("mutation",)),
            Alteration("PIK3CA_mut", "PI3K", ("PIK3CA",), ("mutation",)),
            Alteration("TERT_mut", "x", ("TERT",), ("mutation",)),
            Alteration("MYC_amp", "TF", ("MYC",), ("amplification",)),
            Alteration("PTEN_alt", "PI3K", ("PTEN",), ("mutation", "deep_deletion")),
            Alteration("RB1_loss", "cc", ("RB1",), ("deep_deletion",)),
            Alteration("FGFR2_fus", "RTK", ("FGFR1", "FGFR2"), ("fusion",)),
            Alteration("BET1_fus", "x", ("BET1",), ("fusion",)),
            Alteration("NOPE_mut", "x", ("NOT_ON_PANEL",), ("mutation",)),
        ]
    )
    matrix, calls, notes = alteration_matrix(tables, alts)
    return matrix.set_index("sample_id"), calls, notes


def test_mini_matrix_conventions() -> None:
    m, calls, notes = _mini_matrix()
    assert notes == []
    # ESR1: P1-T2 missense; 3'UTR in P6-T1 dropped; ESR1 not on PANEL_B -> not profiled for P6
    assert m.loc["P1-T2", "ESR1_mut"] == 1
    assert pd.isna(m.loc["P6-T1", "ESR1_mut"]) and pd.isna(m.loc["P6-T2", "ESR1_mut"])
    assert m.loc["P2-T1", "ESR1_mut"] == 0
    # PIK3CA: missense and Splice_Region kept; Silent and LOH dropped
    assert m.loc[["P1-T1", "P2-T1", "P3-T1", "P4-T1", "P6-T1"], "PIK3CA_mut"].tolist() == [
        1,
        1,
        1,
        0,
        0,
    ]
    # TERT promoter (5'Flank) kept
    assert m.loc["P5-T1", "TERT_mut"] == 1
    # CNA: 2 = amp; -1.5 and -2 = deep deletion; -1 and 1 are not alterations
    assert m.loc["P2-T1", "MYC_amp"] == 1 and m.loc["P6-T2", "MYC_amp"] == 1
    assert m.loc["P3-T1", "PTEN_alt"] == 1
    assert m.loc["P4-T1", "RB1_loss"] == 1
    assert m.loc["P5-T1", "RB1_loss"] == 0 and m.loc["P1-T1", "RB1_loss"] == 0
    # fusion counts for both partners
    assert m.loc["P5-T1", "FGFR2_fus"] == 1 and m.loc["P5-T1", "BET1_fus"] == 1
    # a gene on no panel: every sample not profiled
    assert m["NOPE_mut"].isna().all()
    assert set(calls.columns) >= {"sample_id", "gene", "event", "alteration"}


@pytest.mark.real
def test_real_msk_altered_counts(msk_tables) -> None:
    matrix, calls, notes = alteration_matrix(msk_tables, load_alterations(DEFAULT))
    altered = (matrix.drop(columns=["sample_id", "patient_id"]) == 1).sum().to_dict()
    assert altered == {
        "ESR1_mut": 164,
        "FOXA1_mut": 81,
        "ARID1A_mut": 106,
        "CTCF_mut": 33,
        "TBX3_mut": 93,
        "MYC_amp": 164,
        "KRAS_mut": 14,
        "NF1_alt": 99,
        "ERBB2_mut": 84,
        "FGFR1_2_alt": 284,
        "EGFR_amp": 23,
        "IGF1R_amp": 41,
        "AKT1_alt": 113,
        "AKT2_amp": 15,
        "PIK3CA_mut": 725,
        "PTEN_alt": 175,
        "GATA3_mut": 288,
        "MTOR_mut": 26,
        "CCND1_amp": 364,
        "CDK4_amp": 27,
        "RB1_loss": 79,
        "FGFR4_alt": 32,
        "BRAF_mut": 11,
    }
    # IMPACT panel definitions are not in the mirror: every sample counts as profiled, and we say so
    assert matrix.drop(columns=["sample_id", "patient_id"]).notna().all().all()
    assert any("IMPACT341" in n for n in notes)
    # the -1.5 partial deletions count as deep deletions
    pten_del = calls[(calls["alteration"] == "PTEN_alt") & (calls["event"] == "deep_deletion")]
    cna = msk_tables.cna.set_index(["sample_id", "gene"])["value"]
    values = cna.reindex(list(zip(pten_del["sample_id"], pten_del["gene"], strict=True)))
    assert set(values) == {-2.0, -1.5}


@pytest.mark.real
def test_real_metabric_panel_aware(metabric_tables) -> None:
    matrix, _, _ = alteration_matrix(metabric_tables, load_alterations(DEFAULT))
    assert matrix["ESR1_mut"].isna().all()  # ESR1 is not on the METABRIC 173-gene panel
    assert matrix["MYC_amp"].isna().all()  # no CNA profile in the mirror
    assert int((matrix["PIK3CA_mut"] == 1).sum()) == 975
    assert int(matrix["PIK3CA_mut"].notna().sum()) == 2509


def test_gene_found_nowhere_is_a_counted_warning_in_summary_and_status(tmp_path) -> None:
    """A typo ('PIK3CAA') would count 0 altered silently: the summary and the enrichment status
    name it with the nearest symbols; real genes get no such note."""
    from her2cohort.alterations import alteration_tables
    from her2cohort.enrichment import cannot_compute

    defs = tmp_path / "alterations.yaml"
    defs.write_text(
        "alterations:\n"
        "  - {id: PIK3CA_mut, mechanism: PI3K, genes: [PIK3CAA], events: [mutation]}\n"
        "  - {id: ESR1_mut, mechanism: ER, genes: [ESR1], events: [mutation]}\n"
    )
    result = alteration_tables(read_study_folder(MINI), load_alterations(defs))
    summary = result.summary.set_index("alteration")
    note = summary.loc["PIK3CA_mut", "genes_not_found"]
    assert (
        note.startswith("gene(s) found nowhere in the study")
        and "PIK3CAA (nearest in the study: PIK3CA" in note
    )
    assert summary.loc["ESR1_mut", "genes_not_found"] == ""
    status = cannot_compute(result.summary, {"mutations": True})
    assert status == {"PIK3CA_mut": note}
