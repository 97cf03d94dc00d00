"""Snakemake script: HER2 composition bars and the primary -> sequenced transition heatmaps."""

import pandas as pd

from her2cohort.figures import her2 as fh
from her2cohort.figures.style import save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    out, label = smk.output, smk.params.label
    unresolved = fh.unresolved_samples(read_tsv(smk.input.samples))
    composition = fh.composition(pd.read_parquet(smk.input.categories), label, unresolved)
    save(composition, out.composition, out.composition_svg)
    transitions = fh.transition_heatmaps(read_tsv(smk.input.transitions), label)
    save(transitions, out.transitions, out.transitions_svg)


run(main, snakemake)  # noqa: F821
