"""Snakemake script: enrichment and Cox hazard ratios pooled across cohorts (tables, forests)."""

import pandas as pd

from her2cohort.figures.pooled import pooled_figures
from her2cohort.figures.style import save
from her2cohort.io import read_tsv, write_tsv
from her2cohort.pooled import run_pooled
from her2cohort.runner import run


def main(smk):
    i, p, o = smk.input, smk.params, smk.output
    each = lambda read, files: {c: read(f) for c, f in zip(p.cohorts, files, strict=True)}  # noqa: E731
    cox = {c: {a: read_tsv(f) for (k, a), f in zip(p.cox_keys, i.cox, strict=True) if k == c} for c in p.cohorts}  # fmt: skip
    types = each(lambda f: pd.read_csv(f, sep="\t", usecols=["sample_type"])["sample_type"], i.samples)  # fmt: skip
    meta = each(lambda f: pd.read_json(f, typ="series")["meta"], i.manifests)
    result = run_pooled(each(read_tsv, i.enrichment), cox, meta, types, p.labels, p.ruleset, p.confidence, p.references)  # fmt: skip
    for name, table in vars(result).items():
        write_tsv(table, o[name], float_format="%.6g")
    for name, fig in pooled_figures(result).items():
        save(fig, o[name], o[f"{name}_svg"])


run(main, snakemake)  # noqa: F821
