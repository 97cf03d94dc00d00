"""Snakemake script: HER2 categories under every ruleset, the audit and the transitions."""

import pandas as pd

from her2cohort.clinical import mapped_fields
from her2cohort.harmonize import harmonize_cohort
from her2cohort.io import read_tsv, write_parquet, write_tsv
from her2cohort.runner import run


def main(smk):
    clinical, warnings = pd.read_parquet(smk.input.clinical), read_tsv(smk.input.warnings)
    columns, p, out = mapped_fields(smk.params.cohort), smk.params, smk.output
    result = harmonize_cohort(clinical, warnings, columns, p.her2, p.default)
    for i, ruleset in enumerate(p.her2):
        write_tsv(result.audits[ruleset], out.audit[i])
        write_tsv(result.samples[ruleset], out.samples[i])
    write_tsv(result.transitions, out.transitions)
    write_tsv(result.switching, out.switching)
    write_parquet(result.categories, out.categories)
    write_tsv(result.summary, out.summary)


run(main, snakemake)  # noqa: F821
