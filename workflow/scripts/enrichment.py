"""Snakemake script: HER2-low enrichment per ruleset, the published comparison, sensitivity."""

import pandas as pd

from her2cohort.enrichment import run_enrichment
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run


def main(smk):
    i, p, rulesets = smk.input, smk.params, smk.params.her2
    samples = {r: read_tsv(f).set_index("sample_id") for r, f in zip(rulesets, i.samples)}  # noqa: B905
    clinical = pd.read_parquet(i.clinical).set_index("sample_id")
    matrix, categories = pd.read_parquet(i.matrix), pd.read_parquet(i.categories)
    result = run_enrichment(matrix, read_tsv(i.summary), clinical, categories, samples,
                            rulesets, p.enrichment, read_tsv(i.published), p.study_id)  # fmt: skip
    for ruleset, path in zip(rulesets, smk.output.tables, strict=True):
        write_tsv(result.tables[ruleset], path, float_format="%.6g")
    write_tsv(result.published, smk.output.published, float_format="%.6g")
    write_tsv(result.sensitivity, smk.output.sensitivity, float_format="%.6g")


run(main, snakemake)  # noqa: F821
