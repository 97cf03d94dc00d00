"""Snakemake script: HER2-low enrichment per rule set, the published comparison, sensitivity."""

import pandas as pd

from her2cohort import enrichment as en
from her2cohort.harmonize import zero_one_for
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run

FLOAT = "%.6g"


def main(smk):
    matrix = pd.read_parquet(smk.input.matrix)
    summary = read_tsv(smk.input.summary)
    clinical = pd.read_parquet(smk.input.clinical).set_index("sample_id")
    scenarios = pd.read_parquet(smk.input.categories)
    opts = smk.params.enrichment
    alpha = 1 - opts.get("confidence", 0.95)
    unit = opts.get("unit", "sample")
    matrix = en.select_unit(matrix, unit, clinical["sequencing_time"].reindex(matrix["sample_id"]))
    hr = clinical["hr_status"].reindex(matrix["sample_id"])
    avail = (
        {
            p: p in summary["profiles_in_study"].iloc[0].split(",")
            for p in ("mutations", "cna", "structural_variants")
        }
        if len(summary)
        else {}
    )
    cannot = en.cannot_compute(summary, avail)
    tables = {}
    for rule, out in zip(smk.params.rules, smk.output.tables, strict=True):
        samples = read_tsv(smk.input.samples[smk.params.rules.index(rule)]).set_index("sample_id")
        cats = samples["her2_category"].reindex(matrix["sample_id"])
        tables[rule] = en.enrichment_table(matrix, cats, hr, summary, alpha, cannot)
        tables[rule].insert(len(en.LEAD_COLUMNS), "unit", unit)
        write_tsv(tables[rule], out, float_format=FLOAT)
    published = read_tsv(smk.input.published)
    ours = tables.get("ihc_only")
    if ours is None:
        raise SystemExit("published comparison needs the ihc_only rule set in her2.rules")
    write_tsv(
        en.published_comparison(ours, published, smk.params.study_id),
        smk.output.published,
        float_format=FLOAT,
    )
    defaults = {r: zero_one_for(r, smk.params.her2["zero_one_plus"]) for r in smk.params.rules}
    sens = en.sensitivity(matrix, scenarios, hr, summary, defaults, alpha, cannot)
    write_tsv(sens, smk.output.sensitivity, float_format=FLOAT)


run(main, snakemake)  # noqa: F821
