"""Snakemake script: HER2 categories under every rule set, the audit and the transitions."""

import pandas as pd

from her2cohort.clinical import mapped_fields
from her2cohort.harmonize import harmonize_cohort
from her2cohort.io import read_tsv, write_parquet, write_tsv
from her2cohort.runner import run


def main(smk):
    columns = mapped_fields(smk.params.cohort)
    clinical = pd.read_parquet(smk.input.clinical)
    result = harmonize_cohort(
        clinical, read_tsv(smk.input.warnings), columns, smk.params.her2, smk.params.default
    )
    for i, ruleset in enumerate(smk.params.her2):
        write_tsv(result.audits[ruleset], smk.output.audit[i])
        write_tsv(result.samples[ruleset], smk.output.samples[i])
    write_tsv(result.transitions, smk.output.transitions)
    write_tsv(result.switching, smk.output.switching)
    write_parquet(result.categories, smk.output.categories)
    write_tsv(result.summary, smk.output.summary)


run(main, snakemake)  # noqa: F821
