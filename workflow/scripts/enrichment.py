"""Snakemake script: HER2-low enrichment per rule set, the published comparison, sensitivity."""

import pandas as pd

from her2cohort.enrichment import run_enrichment
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run

FLOAT = "%.6g"


def main(smk):
    rulesets = smk.params.her2
    samples = {r: read_tsv(p).set_index("sample_id") for r, p in zip(rulesets, smk.input.samples)}
    clinical = pd.read_parquet(smk.input.clinical).set_index("sample_id")
    result = run_enrichment(
        pd.read_parquet(smk.input.matrix), read_tsv(smk.input.summary), clinical,
        pd.read_parquet(smk.input.categories), samples, rulesets, smk.params.enrichment,
        read_tsv(smk.input.published), smk.params.study_id,
    )  # fmt: skip
    for ruleset, path in zip(rulesets, smk.output.tables, strict=True):
        write_tsv(result.tables[ruleset], path, float_format=FLOAT)
    write_tsv(result.published, smk.output.published, float_format=FLOAT)
    write_tsv(result.sensitivity, smk.output.sensitivity, float_format=FLOAT)


run(main, snakemake)  # noqa: F821
