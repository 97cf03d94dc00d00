"""Snakemake script: share HER2-low per alteration and the odds-ratio forest, for one rule set."""

from her2cohort.figures import enrichment as fe
from her2cohort.figures.style import her2_rule_text, save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    table = read_tsv(smk.input.table)
    published = read_tsv(smk.input.published) if smk.params.published else None
    # the title names the rule set and its 0-1+ assignment (config her2.zero_one_plus)
    title = f"{smk.params.label}\nHER2 {her2_rule_text(smk.wildcards.ruleset, smk.params.zero_one_plus)}"
    save(fe.share_plot(table, published, title), smk.output.share, smk.output.share_svg)
    save(fe.forest_plot(table, title), smk.output.forest, smk.output.forest_svg)


run(main, snakemake)  # noqa: F821
