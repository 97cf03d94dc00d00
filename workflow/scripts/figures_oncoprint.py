"""Snakemake script: oncoprint-style matrix of the table's alterations, sorted by HER2 category."""

import pandas as pd

from her2cohort.figures import enrichment as fe
from her2cohort.figures.style import save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    matrix = pd.read_parquet(smk.input.matrix)
    summary = read_tsv(smk.input.summary)
    rows = summary.loc[
        ~summary["extension"].astype(bool) & (summary["n_profiled"] > 0), "alteration"
    ].tolist()
    cats = read_tsv(smk.input.samples).set_index("sample_id")["her2_category"]
    title = f"{smk.params.label}: published-table alterations, HER2 by {smk.params.rule}"
    save(fe.oncoprint(matrix, cats, rows, title), smk.output.png, smk.output.svg)


run(main, snakemake)  # noqa: F821
