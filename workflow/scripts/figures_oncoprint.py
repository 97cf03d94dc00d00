"""Snakemake script: oncoprint-style matrix of the table's alterations, sorted by HER2 category."""

import pandas as pd

from her2cohort.alterations import oncoprint_rows
from her2cohort.figures import enrichment as fe
from her2cohort.figures.style import save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    matrix = pd.read_parquet(smk.input.matrix)
    rows = oncoprint_rows(read_tsv(smk.input.summary))
    cats = read_tsv(smk.input.samples).set_index("sample_id")["her2_category"]
    title = f"{smk.params.label}: published-table alterations, HER2 by {smk.params.ruleset}"
    save(fe.oncoprint(matrix, cats, rows, title), smk.output.png, smk.output.png_svg)


run(main, snakemake)  # noqa: F821
