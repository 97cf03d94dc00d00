"""Snakemake script: the volcano figure of the genome-wide comparison, one rule set."""

from her2cohort.figures.style import her2_rule_text, save
from her2cohort.figures.volcano import volcano_figure
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    title = f"{smk.params.label}: every gene, HER2-low vs HER2-0\n{her2_rule_text(smk.wildcards.ruleset, smk.params.zero_one_plus)}"
    fig = volcano_figure(read_tsv(smk.input.genes), title, smk.params.label_top)
    save(fig, smk.output.png, smk.output.png_svg)


run(main, snakemake)  # noqa: F821
