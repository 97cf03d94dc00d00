# Stage 3-4: alteration matrix, then the HER2-low enrichment table per rule set.


rule alteration_matrix:
    input:
        study=study_targets("{cohort}"),
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
        mem_mb=3000,
        runtime=15,
    conda:
        CONDA_ENV
    script:
        "../scripts/alteration_matrix.py"


rule enrichment:
    input:
        matrix="results/{cohort}/alterations/matrix.parquet",
        summary="results/{cohort}/alterations/summary.tsv",
        clinical="results/{cohort}/clinical/clinical.parquet",
        categories="results/{cohort}/her2/categories.parquet",
        samples=expand("results/{{cohort}}/her2/{ruleset}/samples.tsv", ruleset=RULESETS),
        definitions=config["alterations"],
        published=config["published_table"],
    output:
        tables=expand(
            "results/{{cohort}}/enrichment/{ruleset}/her2_low_enrichment.tsv", ruleset=RULESETS
        ),
        published="results/{cohort}/enrichment/published_comparison.tsv",
        sensitivity="results/{cohort}/enrichment/sensitivity.tsv",
    log:
        "logs/enrichment/{cohort}.log",
    benchmark:
        "logs/benchmarks/enrichment/{cohort}.tsv"
    params:
        her2=HER2,
        enrichment=config["enrichment"],
        study_id=lambda wc: COHORTS[wc.cohort]["study_id"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        CONDA_ENV
    script:
        "../scripts/enrichment.py"


rule gene_comparison:
    input:
        study=study_targets("{cohort}"),
        samples="results/{cohort}/her2/{ruleset}/samples.tsv",
        clinical="results/{cohort}/clinical/clinical.parquet",
        definitions=config["alterations"],
    output:
        genes="results/{cohort}/enrichment/{ruleset}/genes.tsv",
    log:
        "logs/gene_comparison/{cohort}_{ruleset}.log",
    benchmark:
        "logs/benchmarks/gene_comparison/{cohort}_{ruleset}.tsv"
    params:
        enrichment=config["enrichment"],
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    conda:
        CONDA_ENV
    script:
        "../scripts/gene_comparison.py"
