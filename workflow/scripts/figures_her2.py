"""Snakemake script: HER2 composition bars and the primary -> sequenced transition heatmaps."""

import pandas as pd

from her2cohort.figures import her2 as fh
from her2cohort.figures.style import save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    scenarios = pd.read_parquet(smk.input.categories)
    save(
        fh.composition(scenarios, smk.params.label),
        smk.output.composition,
        smk.output.composition_svg,
    )
    trans = read_tsv(smk.input.transitions)
    save(
        fh.transition_heatmaps(trans, smk.params.label),
        smk.output.transitions,
        smk.output.transitions_svg,
    )


run(main, snakemake)  # noqa: F821
