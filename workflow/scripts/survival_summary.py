"""Snakemake script: a cohort's survival data warnings (all analyses) and the configured claims."""

import logging
from pathlib import Path

import pandas as pd

from her2cohort import survival as sv
from her2cohort.io import write_tsv
from her2cohort.runner import run

log = logging.getLogger("her2cohort.survival")


def main(smk):
    settings = sv.settings_from_config(smk.params.survival)
    warnings = pd.concat([sv.read_table(f) for f in smk.input.exclusions], ignore_index=True)
    write_tsv(warnings, smk.output.warnings)
    problems = warnings[(warnings["count"] > 0) & ~warnings["step"].isin(["population"])]
    log.info("%d data-problem / exclusion rows with a non-zero count", len(problems))
    tables = {}
    for kind in ("cox", "contrasts", "lrt"):
        for path in smk.input[kind]:
            tables.setdefault(Path(path).parent.name, {})[kind] = sv.read_table(path)
    claims = sv.claims_table((smk.params.survival or {}).get("claims"), tables, settings.truncations)
    for row in claims[claims["primary"]].itertuples():
        log.info("claim %s: %s (%s)", row.claim_id, row.verdict, row.reason)
    write_tsv(claims, smk.output.claims)


run(main, snakemake)  # noqa: F821
