# Stage 2: cohort mapping -> canonical clinical table; HER2 harmonization under every rule set.


rule clinical:
    input:
        samples="results/{cohort}/study/samples.parquet",
        patients="results/{cohort}/study/patients.parquet",
        manifest="results/{cohort}/study/manifest.json",
    output:
        clinical="results/{cohort}/clinical/clinical.parquet",
        warnings="results/{cohort}/clinical/warnings.tsv",
    log:
        "logs/clinical/{cohort}.log",
    benchmark:
        "logs/benchmarks/clinical/{cohort}.tsv"
    params:
        cohort=cohort_config,
    threads: 1
    resources:
        mem_mb=1400,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/clinical.py"


rule harmonize_her2:
    input:
        clinical="results/{cohort}/clinical/clinical.parquet",
        warnings="results/{cohort}/clinical/warnings.tsv",
    output:
        samples=expand("results/{{cohort}}/her2/{ruleset}/samples.tsv", ruleset=RULESETS),
        audit=expand("results/{{cohort}}/her2/{ruleset}/audit.tsv", ruleset=RULESETS),
        categories="results/{cohort}/her2/categories.parquet",
        transitions="results/{cohort}/her2/transitions.tsv",
        switching="results/{cohort}/her2/switching.tsv",
        summary="results/{cohort}/her2/summary.tsv",
    log:
        "logs/harmonize_her2/{cohort}.log",
    benchmark:
        "logs/benchmarks/harmonize_her2/{cohort}.tsv"
    params:
        cohort=cohort_config,
        her2=HER2,
        default=DEFAULT_RULESET,
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/harmonize_her2.py"
