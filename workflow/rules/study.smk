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
        mem_mb=2000,
        runtime=30,
    conda:
        CONDA_ENV
    script:
        "../scripts/import_study.py"
