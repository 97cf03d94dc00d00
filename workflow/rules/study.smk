# Stage 1: read a study (folder / API / datahub) into canonical Parquet tables + manifest.json.

rule import_study:
    input:
        study_input_files,
    output:
        study_targets("{cohort}"),
    log:
        "logs/import_study/{cohort}.log",
    benchmark:
        "logs/benchmarks/import_study/{cohort}.tsv"
    params:
        cohort=cohort_config,
        gene_panel_dirs=config["gene_panel_dirs"],
    # Network sources run on the submitting host: compute nodes often cannot reach the internet.
    localrule: config["source"] in ("api", "datahub", "auto")
    threads: 1
    resources:
        mem_mb=1600,
        runtime=30,
    conda:
        CONDA_ENV
    script:
        "../scripts/import_study.py"


# Never runs: its input function stops the run with one line when a target names a cohort that
# is not configured (instead of "No rule to produce").
rule unknown_cohort:
    input:
        unknown_cohort,
    output:
        "results/{cohort}/{path}",
    log:
        "logs/unknown_cohort/{cohort}/{path}.log",
    wildcard_constraints:
        cohort=UNKNOWN_COHORT,
        path=".+",
    localrule: True
    conda:
        CONDA_ENV
    shell:
        "exit 1"
