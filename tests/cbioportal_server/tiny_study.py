"""A five-sample study for the transport and datahub tests: fusion file, -1.5 calls, two panels."""

from __future__ import annotations

from pathlib import Path

from fixtures.study_writer import MAF_COLUMNS, ClinicalColumn, StudyWriter

TINY_SAMPLES = [
    # patient, sample, SAMPLE_TYPE, HER2_IHC_SCORE, panel
    ("P1", "P1-T1", "Primary", "1+", "PANEL_A"),
    ("P1", "P1-T2", "Metastasis", "Not Applicable", "PANEL_A"),
    ("P2", "P2-T1", "Primary", "3+", "PANEL_B"),
    ("P3", "P3-T1", "Metastatic", "", "PANEL_B"),
    ("P4", "P4-T1", "Primary", "0", "NA"),
]
SAMPLE_COLUMNS = [
    ClinicalColumn("PATIENT_ID", "Patient Identifier", "Patient"),
    ClinicalColumn("SAMPLE_ID", "Sample Identifier", "Sample"),
    ClinicalColumn("SAMPLE_TYPE", "Sample Type", "Type", priority="9"),
    ClinicalColumn("HER2_IHC_SCORE", "HER2 IHC", "HER2 IHC score"),
]
PATIENT_COLUMNS = [
    ClinicalColumn("PATIENT_ID", "Patient Identifier", "Patient"),
    ClinicalColumn("OS_STATUS", "Overall Survival Status", "OS status"),
    ClinicalColumn("OS_MONTHS", "Overall Survival (Months)", "OS months", "NUMBER"),
]
PATIENTS = [
    ("P1", "1:DECEASED", "12.5"),
    ("P2", "0:LIVING", "NA"),
    ("P3", "0:LIVING", "40"),
    ("P4", "NA", ""),
]
# Every row is Center MSK, NCBI_Build GRCh37, Tumor_Seq_Allele1 = Reference_Allele and no
# Validation_Status; the other MAF columns in order (silent TP53, TERT promoter, Entrez id 0):
# fmt: off
MUTATIONS = [
    ("ERBB2", "2064", "17", "37880220", "37880220", "Missense_Mutation", "SNP", "T", "C", "P1-T1", "SOMATIC", "p.L755S", "40"),
    ("PIK3CA", "5290", "3", "178952085", "178952085", "Missense_Mutation", "SNP", "A", "G", "P1-T1", "SOMATIC", "p.H1047R", "12"),
    ("PIK3CA", "0", "3", "178936091", "178936091", "Missense_Mutation", "SNP", "G", "A", "P2-T1", "SOMATIC", "p.E545K", ""),
    ("TP53", "0", "17", "7577120", "7577120", "Silent", "SNP", "C", "T", "P2-T1", "SOMATIC", "p.R273=", "5"),
    ("TERT", "0", "5", "1295228", "1295228", "5'Flank", "SNP", "G", "A", "P3-T1", "SOMATIC", "", "7"),
    ("GATA3", "0", "10", "8115874", "8115875", "Frame_Shift_Ins", "INS", "-", "A", "P3-T1", "", "", "9"),
]
# fmt: on
CNA = [
    ("Hugo_Symbol", "P1-T1", "P1-T2", "P2-T1", "P3-T1"),
    ("ERBB2", "2", "2", "0", "-1"),
    ("PTEN", "-1.5", "0", "-2", "0"),
    ("CCND1", "1", "0", "NA", "2"),
]
FUSIONS = [
    ("ERBB2", "0", "MSK", "P1-T1", "GRB7-ERBB2 fusion", "yes", "unknown", "NA", "in frame"),
    ("GRB7", "0", "MSK", "P1-T1", "GRB7-ERBB2 fusion", "yes", "unknown", "NA", "in frame"),
    ("ESR1", "0", "MSK", "P2-T1", "ESR1-intragenic", "yes", "unknown", "NA", "unknown"),
]
PANEL_B = ["ERBB2", "PIK3CA", "TP53", "TERT", "GATA3", "PTEN", "CCND1"]


def _maf_row(row: tuple[str, ...]) -> list[str]:
    gene, entrez, chrom, start, end, vclass, vtype, ref, alt, sample, status, hgvsp, depth = row
    return [
        *(gene, entrez, "MSK", "GRCh37", chrom, start, end, vclass, vtype, ref, ref, alt),
        *(sample, status, "", hgvsp, depth),
    ]


def write_tiny_study(root: str | Path, study_id: str = "tiny_study") -> Path:
    """Write a five-sample study in datahub layout (fusion file, -1.5 calls, panels); return it."""
    study = StudyWriter(Path(root) / study_id, study_id)
    study.study("brca", "Tiny study", "A tiny test study.", pmid="1", citation="Nobody et al.")
    study.clinical("sample", SAMPLE_COLUMNS, [(p, s, t, h) for p, s, t, h, _ in TINY_SAMPLES])
    study.clinical("patient", PATIENT_COLUMNS, PATIENTS)
    study.mutations(MAF_COLUMNS, [_maf_row(r) for r in MUTATIONS])
    study.cna(CNA[0], CNA[1:])
    study.fusions(FUSIONS)
    study.panel_matrix({s: p for _, s, _, _, p in TINY_SAMPLES})
    study.gene_panel("data_gene_panel_a.txt", "PANEL_A", "Panel A", [*PANEL_B, "GRB7", "ESR1"])
    study.gene_panel("data_gene_panel_b.txt", "PANEL_B", "Panel B", PANEL_B)
    all_ids = [s for _, s, _, _, _ in TINY_SAMPLES]
    profiled = [s for _, s, _, _, p in TINY_SAMPLES if p != "NA"]
    for suffix, category, ids in (
        ("all", "all_cases_in_study", all_ids),
        ("sequenced", "all_cases_with_mutation_data", profiled),
        ("cna", "all_cases_with_cna_data", profiled),
    ):
        study.case_list(suffix, category, ids, suffix, suffix)
    return study.folder
