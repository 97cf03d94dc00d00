"""Snakemake script: render the summary and provenance pages of the report from results."""

from her2cohort.io import write_text
from her2cohort.report import render, summary_context
from her2cohort.runner import run


def main(smk):
    p = smk.params
    inputs = {k: v for k, v in smk.input.items() if "__" in k}
    context = summary_context(
        p.cohorts, inputs, p.fields, p.default_rule, smk.config, p.cohort_files, p.titles
    )
    write_text(render(smk.input.template, context), smk.output.summary)
    write_text(render(smk.input.provenance_template, context), smk.output.provenance)


run(main, snakemake)  # noqa: F821
