# Stage 3-4: alteration matrix, then the HER2-low enrichment table per rule set.


rule alteration_matrix:
    input:
        study=[f"results/{{cohort}}/study/{f}" for f in STUDY_FILES],
        definitions=config["alterations"],
    output:
        matrix="results/{cohort}/alterations/matrix.parquet",
        calls="results/{cohort}/alterations/calls.tsv",
        summary="results/{cohort}/alterations/summary.tsv",
    log:
        "logs/alteration_matrix/{cohort}.log",
    benchmark:
        "logs/benchmarks/alteration_matrix/{cohort}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/alteration_matrix.py"


rule enrichment:
    input:
        matrix="results/{cohort}/alterations/matrix.parquet",
        summary="results/{cohort}/alterations/summary.tsv",
        clinical="results/{cohort}/clinical/clinical.parquet",
        categories="results/{cohort}/her2/categories.parquet",
        samples=expand("results/{{cohort}}/her2/{rule}/samples.tsv", rule=RULES),
        definitions=config["alterations"],
        published=config["published_table"],
    output:
        tables=expand("results/{{cohort}}/enrichment/{rule}/her2_low_enrichment.tsv", rule=RULES),
        published="results/{cohort}/enrichment/published_comparison.tsv",
        sensitivity="results/{cohort}/enrichment/sensitivity.tsv",
    params:
        rules=RULES,
        her2=config["her2"],
        enrichment=config["enrichment"],
        study_id=lambda wc: COHORTS[wc.cohort]["study_id"],
    log:
        "logs/enrichment/{cohort}.log",
    benchmark:
        "logs/benchmarks/enrichment/{cohort}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/enrichment.py"


def enrichment_targets(cohort):
    return [
        f"results/{cohort}/alterations/matrix.parquet",
        f"results/{cohort}/enrichment/published_comparison.tsv",
        f"results/{cohort}/enrichment/sensitivity.tsv",
    ] + [f"results/{cohort}/enrichment/{r}/her2_low_enrichment.tsv" for r in RULES]


TARGET_FUNCTIONS.append(enrichment_targets)
