"""Snakemake script: the genome-wide HER2-low vs HER2-0 comparison of one rule set (genes.tsv)."""

from pathlib import Path

import pandas as pd

from her2cohort.alterations import load_alterations
from her2cohort.genome import run_gene_comparison
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run
from her2cohort.source.tables import read_study


def main(smk):
    i = smk.input
    tables = read_study(Path(i.study[0]).parent)
    samples = read_tsv(i.samples).set_index("sample_id")
    clinical = pd.read_parquet(i.clinical).set_index("sample_id")
    table = run_gene_comparison(
        tables, samples, clinical, load_alterations(i.definitions), smk.params.enrichment
    )
    write_tsv(table, smk.output.genes, float_format="%.6g")


run(main, snakemake)  # noqa: F821
