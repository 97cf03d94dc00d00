"""Snakemake script: one survival analysis's tables (her2cohort.survival.survival_tables)."""

import pandas as pd

from her2cohort import survival as sv
from her2cohort.io import write_tsv
from her2cohort.runner import run


def main(smk):
    tables = sv.survival_tables(
        pd.read_parquet(smk.input.clinical),
        pd.read_parquet(smk.input.categories),
        smk.params.analysis,
        smk.params.settings,
    )
    for name, table in tables.items():
        write_tsv(table, smk.output[name])


run(main, snakemake)  # noqa: F821
