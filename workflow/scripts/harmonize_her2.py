"""Snakemake script: HER2 categories under every rule set, the audit and the transitions."""

import pandas as pd

from her2cohort import harmonize as hz
from her2cohort.io import read_tsv, write_parquet, write_tsv
from her2cohort.runner import run


def main(smk):
    clinical = pd.read_parquet(smk.input.clinical)
    unmapped = read_tsv(smk.input.warnings)
    cohort, her2 = smk.params.cohort, smk.params.her2
    cuts = {k: her2[k] for k in ("ish_ratio_cut", "ish_cn_low", "ish_cn_high") if k in her2}
    columns = {**(cohort.get("patient_fields") or {}), **(cohort.get("sample_fields") or {})}
    defaults = {r: hz.zero_one_for(r, her2["zero_one_plus"]) for r in smk.params.rules}
    summaries = []
    for rule, samples_out, audit_out in zip(
        smk.params.rules, smk.output.samples, smk.output.audit, strict=True
    ):
        samples = hz.harmonize_samples(clinical, rule, defaults[rule], cuts)
        write_tsv(hz.audit(clinical, columns, samples, unmapped), audit_out)
        write_tsv(samples, samples_out)
        counts = hz.category_counts(samples)
        counts.insert(0, "zero_one_plus", defaults[rule])
        counts.insert(0, "rule", rule)
        counts["default"] = rule == her2["default_rule"]
        summaries.append(counts)
    scenarios = hz.all_scenarios(clinical, cuts)
    trans = hz.transitions(scenarios, clinical["sample_type"], defaults)
    write_tsv(trans, smk.output.transitions)
    write_tsv(hz.switching_summary(trans), smk.output.switching)
    write_parquet(scenarios, smk.output.categories)
    write_tsv(pd.concat(summaries, ignore_index=True), smk.output.summary)


run(main, snakemake)  # noqa: F821
