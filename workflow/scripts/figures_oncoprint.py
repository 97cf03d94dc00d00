"""Snakemake script: oncoprint of every profiled configured alteration (cell colour = alteration
type from the calls), with HER2 category and HR status tracks, samples grouped by HER2 category."""

import pandas as pd

from her2cohort.figures.oncoprint import oncoprint
from her2cohort.figures.style import her2_rule_text, save
from her2cohort.io import read_tsv
from her2cohort.runner import run


def main(smk):
    matrix = pd.read_parquet(smk.input.matrix)
    summary = read_tsv(smk.input.summary)
    rows = [str(a) for a in summary["alteration"]]  # the figure drops rows nobody was profiled for
    extensions = summary.loc[summary["extension"].astype(str).str.lower() == "true", "alteration"]
    calls = read_tsv(smk.input.calls)
    cats = read_tsv(smk.input.samples).set_index("sample_id")["her2_category"]
    clinical = pd.read_parquet(smk.input.clinical, columns=["sample_id", "hr_status"])
    hr = clinical.set_index("sample_id")["hr_status"]
    rules = her2_rule_text(smk.params.ruleset, smk.params.zero_one_plus)
    title = f"{smk.params.label}: configured alterations, HER2 {rules}"
    fig = oncoprint(
        matrix, cats, rows, title, calls=calls, hr_status=hr, extensions=set(extensions)
    )
    save(fig, smk.output.png, smk.output.png_svg)


run(main, snakemake)  # noqa: F821
