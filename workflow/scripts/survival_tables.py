"""Snakemake script: one survival analysis's tables (her2cohort.survival.survival_tables)."""

import pandas as pd

from her2cohort import survival as sv
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run


def main(smk):
    matrix, summary = smk.input.get("matrix"), smk.input.get("alteration_summary")
    tables = sv.survival_tables(
        pd.read_parquet(smk.input.clinical),
        pd.read_parquet(smk.input.categories),
        smk.params.analysis,
        smk.params.settings,
        pd.read_parquet(matrix) if matrix else None,  # alteration groups only
        read_tsv(summary) if summary else None,
    )
    for name, table in tables.items():
        write_tsv(table, smk.output[name])


run(main, snakemake)  # noqa: F821
