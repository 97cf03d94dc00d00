"""Snakemake script: one survival analysis's KM and forest figures, drawn from its tables."""

from her2cohort.figures import survival as fig
from her2cohort.figures.style import save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    tables = {name: read_tsv(path) for name, path in smk.input.items()}
    figures = fig.survival_figures(tables, smk.params.analysis, smk.params.settings)
    save(figures.km, smk.output.km, smk.output.km_svg)
    save(figures.forest, smk.output.forest, smk.output.forest_svg)


run(main, snakemake)  # noqa: F821
