"""Snakemake script: share HER2-low per alteration and the odds-ratio forest, for one rule set."""

from her2cohort.figures import enrichment as fe
from her2cohort.figures.style import save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    table = read_tsv(smk.input.table)
    published = read_tsv(smk.input.published) if smk.params.published else None
    title = f"{smk.params.label}, {smk.wildcards.ruleset}"
    save(fe.share_plot(table, published, title), smk.output.share, smk.output.share_svg)
    save(fe.forest_plot(table, title), smk.output.forest, smk.output.forest_svg)


run(main, snakemake)  # noqa: F821
