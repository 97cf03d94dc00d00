"""Snakemake script: a cohort's survival data warnings (all analyses) and the configured claims."""

from pathlib import Path

from her2cohort import survival as sv
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run


def main(smk):
    tables = {}  # analysis -> {cox, contrasts, lrt, models, km, ph_test, rmst}
    for kind in sv.CLAIM_TABLES:
        for path in smk.input[kind]:
            tables.setdefault(Path(path).parent.name, {})[kind] = read_tsv(path)
    exclusions = [read_tsv(path) for path in smk.input.exclusions]
    summary = sv.survival_summary(
        exclusions, tables, smk.params.claims, smk.params.settings, smk.params.analyses
    )
    write_tsv(summary.warnings, smk.output.warnings)
    write_tsv(summary.claims, smk.output.claims)


run(main, snakemake)  # noqa: F821
