"""Snakemake script: one survival analysis.

1. the analysis table (one row per patient) and its exclusion / data-problem counts;
2. KM, log-rank, Cox PH (contrasts, fit statistics, LR and PH tests), fitted to the table exactly as
   written (so anyone refitting data.tsv elsewhere, e.g. in R, gets the same numbers);
3. the Kaplan-Meier and forest figures.
"""

import logging

import pandas as pd

from her2cohort import survival as sv
from her2cohort.figures import survival as fig
from her2cohort.figures.style import save
from her2cohort.io import copy_file, write_tsv
from her2cohort.runner import run

log = logging.getLogger("her2cohort.survival")


def main(smk):
    settings = sv.settings_from_config(smk.params.survival)
    analysis = sv.expand_analyses(smk.params.survival, smk.params.her2)[smk.wildcards.analysis]
    clinical = pd.read_parquet(smk.input.clinical)
    categories = pd.read_parquet(smk.input.categories)
    data, exclusions = sv.build_analysis_table(clinical, categories, analysis, settings)
    for row in exclusions[exclusions["count"] > 0].itertuples():
        log.info("%s: %s: %d (%s)", row.analysis, row.check, row.count, row.action)
    write_tsv(data, smk.output.data)
    write_tsv(exclusions, smk.output.exclusions)

    data = sv.read_table(smk.output.data)
    tables = sv.run_analysis(data, analysis, settings)
    for name in sv.ANALYSIS_TABLES:
        write_tsv(tables[name], getattr(smk.output, name))
    for row in tables["models"].itertuples():
        log.info("%s %s (%s): n=%d events=%d loglik=%.4f C=%.3f %s", analysis.name, row.model,
                 row.truncation, row.n, row.events, row.loglik, row.harrell_c_at_risk, row.notes)

    km = fig.km_figure(data, analysis.levels, settings.truncations, analysis.title, tables["logrank"],
                       settings.plot_max_months, settings.plot_step_months)
    save(km, smk.output.km_fig, smk.output.km_svg)
    copy_file(smk.output.km_fig, smk.output.km_png)
    forest = fig.forest_figure(tables["cox"], analysis.title, analysis.references)
    save(forest, smk.output.forest_fig, smk.output.forest_svg)
    copy_file(smk.output.forest_fig, smk.output.forest_png)


run(main, snakemake)  # noqa: F821
