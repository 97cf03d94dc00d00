"""Snakemake script: apply the cohort mapping to the canonical clinical tables."""

import pandas as pd

from her2cohort.clinical import build_clinical, source_file_names
from her2cohort.io import write_parquet, write_tsv
from her2cohort.runner import run


def main(smk):
    samples = pd.read_parquet(smk.input.samples)
    patients = pd.read_parquet(smk.input.patients)
    names = source_file_names(smk.input.manifest)
    clinical, warnings = build_clinical(smk.params.cohort, samples, patients, *names)
    for row in warnings.itertuples():
        print(f"warning: {row.field} ({row.column}): {row.value!r} x{row.count}: {row.action}")
    write_tsv(warnings, smk.output.warnings)
    write_parquet(clinical, smk.output.clinical)


run(main, snakemake)  # noqa: F821
