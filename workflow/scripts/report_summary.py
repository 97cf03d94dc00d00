"""Snakemake script: render the summary and provenance pages of the report from results."""

from her2cohort.harmonize import derivation_notes
from her2cohort.io import write_text
from her2cohort.report import cohort_summary, config_hash, render
from her2cohort.runner import run


def main(smk):
    cohorts = []
    for name, label in smk.params.cohorts.items():
        files = {k.split("__", 1)[1]: v for k, v in smk.input.items() if k.startswith(f"{name}__")}
        fields = smk.params.fields[name]
        notes = derivation_notes(fields)
        cohorts.append(cohort_summary(name, label, files, smk.params.default_rule, notes))
    digest = config_hash(dict(smk.config), smk.params.cohort_files)
    packages = cohorts[0]["packages"] if cohorts else {}
    context = {
        "cohorts": cohorts,
        "config_hash": digest,
        "default_rule": smk.params.default_rule,
        "packages": packages,
    }
    write_text(render(smk.input.template, context), smk.output.summary)
    write_text(render(smk.input.provenance_template, context), smk.output.provenance)


run(main, snakemake)  # noqa: F821
