"""Snakemake script: read one study from its configured source into canonical tables."""

from pathlib import Path

from her2cohort.runner import run
from her2cohort.source.load import load_study
from her2cohort.source.tables import write_study


def main(smk):
    tables = load_study(smk.params.cohort, smk.config)
    manifest = write_study(tables, Path(smk.output[0]).parent)
    for note in manifest["notes"]:
        print(f"note: {note}")


run(main, snakemake)  # noqa: F821
