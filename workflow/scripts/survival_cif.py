"""Snakemake script: a disease-specific analysis's cumulative incidence figure (both causes)."""

from her2cohort.figures.cif import cif_figure
from her2cohort.figures.style import save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    tables = {name: read_tsv(path) for name, path in smk.input.items()}
    figure = cif_figure(tables, smk.params.analysis, smk.params.settings)
    save(figure, smk.output.cif, smk.output.cif_svg)


run(main, snakemake)  # noqa: F821
