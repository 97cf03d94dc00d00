"""A synthetic study that takes several small pages per endpoint, with many rows tied on the sort
keys a real portal pages by: samples with several mutations in one gene, several clinical rows per
sample and patient. Deterministic for a given seed; everything in it survives the importer
unchanged (no filtered mutation classes, no missing-value strings, CNA only -2 / 0 / 2), so a pull
through the API gives the folder reader's tables except for the named differences (portal-computed
attributes, identity columns, SV ``origin``).
"""

from __future__ import annotations

import random
from pathlib import Path

from fixtures.study_writer import MAF_COLUMNS, ClinicalColumn, StudyWriter, tab

#: symbol -> (Entrez id, chromosome)
GENES = {
    "TP53": ("7157", "17"),
    "PIK3CA": ("5290", "3"),
    "ERBB2": ("2064", "17"),
    "GATA3": ("2625", "10"),
    "CDH1": ("999", "16"),
    "MAP3K1": ("4214", "5"),
    "PTEN": ("5728", "10"),
    "AKT1": ("207", "14"),
    "ESR1": ("2099", "6"),
    "CCND1": ("595", "11"),
    "MYC": ("4609", "8"),
    "FGFR1": ("2260", "8"),
}
CNA_GENES = ["ERBB2", "CCND1", "MYC", "FGFR1", "PTEN"]
PANEL_B = ["TP53", "PIK3CA", "ERBB2", "GATA3", "CDH1", "PTEN", "CCND1", "MYC"]
CLASSES = ["Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Splice_Site"]
SAMPLE_COLUMNS = [
    ClinicalColumn("PATIENT_ID", "Patient Identifier", "Patient"),
    ClinicalColumn("SAMPLE_ID", "Sample Identifier", "Sample"),
    ClinicalColumn("SAMPLE_TYPE", "Sample Type", "Type", priority="9"),
    ClinicalColumn("HER2_IHC_SCORE", "HER2 IHC", "HER2 IHC score"),
    ClinicalColumn("ER_STATUS", "ER Status", "ER status"),
    ClinicalColumn("ONCOTREE_CODE", "Oncotree Code", "Oncotree code"),
]
PATIENT_COLUMNS = [
    ClinicalColumn("PATIENT_ID", "Patient Identifier", "Patient"),
    ClinicalColumn("OS_STATUS", "Overall Survival Status", "OS status"),
    ClinicalColumn("OS_MONTHS", "Overall Survival (Months)", "OS months", "NUMBER"),
    ClinicalColumn("AGE", "Age", "Age at diagnosis", "NUMBER"),
]
SV_COLUMNS = [
    "Sample_Id",
    "SV_Status",
    "Site1_Hugo_Symbol",
    "Site1_Entrez_Gene_Id",
    "Site2_Hugo_Symbol",
    "Site2_Entrez_Gene_Id",
    "Event_Info",
]
FUSIONS = [("ERBB2", "GRB7"), ("ESR1", "CCDC170"), ("FGFR1", "TACC1"), ("MAP3K1", None)]
#: the most mutations any one sample has (a page must be longer, see fetch_mutations)
MAX_MUTATIONS_PER_SAMPLE = 6


def write_synthetic_study(
    root: str | Path,
    study_id: str = "synth_study",
    *,
    patients: int = 16,
    seed: int = 7,
    sv_panel_column: bool = False,
) -> Path:
    """Write the study in datahub layout under `root`; return its folder.

    Every sample is profiled for mutations and CNA on panel SYNTH_A or SYNTH_B except the last,
    which is NA in the panel matrix (not profiled). `sv_panel_column` adds a
    ``structural_variants`` column to the gene panel matrix (the same panels).
    """
    rng = random.Random(seed)
    study = StudyWriter(Path(root) / study_id, study_id)
    study.study("brca", "Synthetic study", "Many tied rows per sample.", pmid="2")
    samples: list[tuple[str, str]] = []
    for p in range(1, patients + 1):
        patient = f"SP{p:03d}"
        samples += [(patient, f"{patient}-T{k}") for k in range(1, rng.choice((1, 1, 2)) + 1)]
    sample_rows = [
        (
            patient,
            sample,
            rng.choice(("Primary", "Metastasis")),
            rng.choice(("0", "1+", "2+", "3+")),
            rng.choice(("Positive", "Negative")),
            rng.choice(("IDC", "ILC", "MDLC")),
        )
        for patient, sample in samples
    ]
    study.clinical("sample", SAMPLE_COLUMNS, sample_rows)
    patient_ids = list(dict.fromkeys(p for p, _ in samples))
    study.clinical(
        "patient",
        PATIENT_COLUMNS,
        [
            (
                p,
                rng.choice(("0:LIVING", "1:DECEASED")),
                f"{rng.uniform(1, 120):.1f}",
                str(rng.randint(28, 85)),
            )
            for p in patient_ids
        ],
    )
    panel_of = {s: ("SYNTH_A" if i % 3 else "SYNTH_B") for i, (_, s) in enumerate(samples)}
    panel_of[samples[-1][1]] = "NA"
    profiled = [s for s, panel in panel_of.items() if panel != "NA"]
    study.mutations(MAF_COLUMNS, _maf_rows(rng, profiled, panel_of))
    study.cna(
        ("Hugo_Symbol", *profiled),
        [(g, *(rng.choice(("-2", "0", "0", "0", "2")) for _ in profiled)) for g in CNA_GENES],
    )
    sv_rows = []
    for sample in rng.sample(profiled, 6):
        site1, site2 = rng.choice(FUSIONS)
        event = f"{site1}-{site2} fusion" if site2 else f"{site1}-intragenic"
        sv_rows.append((sample, "SOMATIC", site1, GENES[site1][0], site2 or "", "", event))
    study.profile(
        "sv",
        "STRUCTURAL_VARIANT",
        "SV",
        "structural_variants",
        "Structural variants",
        [tab(SV_COLUMNS), *map(tab, sv_rows)],
    )
    columns = ["SAMPLE_ID", "mutations", "cna"] + (
        ["structural_variants"] if sv_panel_column else []
    )
    study.data_file(
        "gene_panel_matrix",
        "GENE_PANEL_MATRIX",
        "GENE_PANEL_MATRIX",
        [tab(columns), *(tab([s] + [p] * (len(columns) - 1)) for s, p in panel_of.items())],
    )
    genes_a = [*GENES, "GRB7", "CCDC170", "TACC1"]
    study.gene_panel("data_gene_panel_a.txt", "SYNTH_A", "Synthetic panel A", genes_a)
    study.gene_panel("data_gene_panel_b.txt", "SYNTH_B", "Synthetic panel B", PANEL_B)
    all_ids = [s for _, s in samples]
    for suffix, category, ids in (
        ("all", "all_cases_in_study", all_ids),
        ("sequenced", "all_cases_with_mutation_data", profiled),
        ("cna", "all_cases_with_cna_data", profiled),
        ("sv", "all_cases_with_sv_data", profiled),
    ):
        study.case_list(suffix, category, ids, suffix, suffix)
    return study.folder


def _maf_rows(rng: random.Random, profiled: list[str], panel_of: dict[str, str]) -> list[list[str]]:
    """Up to MAX_MUTATIONS_PER_SAMPLE mutations per sample, often several in one gene."""
    rows = []
    for sample in profiled:
        genes = PANEL_B if panel_of[sample] == "SYNTH_B" else list(GENES)
        hot = rng.sample(genes, 2)  # most of a sample's mutations hit two genes
        count = rng.randint(0, MAX_MUTATIONS_PER_SAMPLE)
        for _ in range(count):
            gene = rng.choice(hot) if rng.random() < 0.7 else rng.choice(genes)
            entrez, chrom = GENES[gene]
            start = rng.randint(1_000_000, 9_000_000)
            ref, alt = rng.sample("ACGT", 2)
            position = rng.randint(1, 900)
            rows.append(
                [
                    *(gene, entrez, "SYN", "GRCh37", chrom, str(start), str(start)),
                    *(rng.choice(CLASSES), "SNP", ref, ref, alt, sample, "SOMATIC", ""),
                    *(f"p.X{position}Y", str(rng.randint(5, 200))),
                ]
            )
    return rows
