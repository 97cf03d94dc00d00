# Pooled results across cohorts: HER2-low enrichment (cohort-stratified Mantel-Haenszel, Breslow-Day,
# Cochran's Q / I^2) and Cox hazard ratios (fixed effect and DerSimonian-Laird), with forest figures.
# `{cohort}` is fixed to "pooled": the outputs sit under results/pooled/ like a cohort's, and
# report_figure() files the figures under the report category "pooled" (common.smk's
# UNKNOWN_COHORT leaves "pooled" out, as it does "summary").


# (cohort, analysis) of every configured survival analysis: the cox tables the rule reads, in order.
POOLED_COX = [[c, a] for c in COHORTS for a in SURVIVAL_ANALYSES[c]]


rule pooled:
    input:
        # every cohort's default-rule enrichment table, manifest and samples, and its cox tables
        enrichment=[
            f"results/{c}/enrichment/{DEFAULT_RULESET}/her2_low_enrichment.tsv" for c in COHORTS
        ],
        manifests=[f"results/{c}/study/manifest.json" for c in COHORTS],
        samples=[f"results/{c}/her2/{DEFAULT_RULESET}/samples.tsv" for c in COHORTS],
        cox=[f"results/{c}/survival/{a}/cox.tsv" for c, a in POOLED_COX],
    output:
        enrichment="results/{cohort}/enrichment.tsv",
        enrichment_by_cohort="results/{cohort}/enrichment_by_cohort.tsv",
        survival="results/{cohort}/survival.tsv",
        survival_by_cohort="results/{cohort}/survival_by_cohort.tsv",
        **report_figure(
            "enrichment_forest",
            "results/{cohort}/figures/enrichment_forest",
            "pooled_enrichment.rst",
            "pooled across cohorts",
            figure="HER2-low enrichment, pooled",
        ),
        **report_figure(
            "survival_forest",
            "results/{cohort}/figures/survival_forest",
            "pooled_survival.rst",
            "pooled across cohorts",
            figure="hazard ratios, pooled",
        ),
    log:
        "logs/pooled/{cohort}.log",
    benchmark:
        "logs/benchmarks/pooled/{cohort}.tsv"
    wildcard_constraints:
        cohort="pooled",
    params:
        cohorts=list(COHORTS),
        labels={c: COHORTS[c].get("label", c) for c in COHORTS},
        cox_keys=POOLED_COX,
        # reference level of each categorical term: a cohort with another reference is not pooled
        references={
            c: {a: SURVIVAL_ANALYSES[c][a].references for a in SURVIVAL_ANALYSES[c]} for c in COHORTS
        },
        ruleset=DEFAULT_RULESET,
        confidence=config["enrichment"]["confidence"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/pooled.py"
