# Stage 1: read a study (folder / API / datahub) into canonical Parquet tables + manifest.json.
from her2cohort.source.folder import locate_study


def study_input_files(wildcards):
    """The study folder's files, so edits to the mirror re-run the import (folder source only)."""
    cohort = COHORTS[wildcards.cohort]
    if cohort.get("source", config["source"]) not in ("folder", "auto"):
        return []
    try:
        folder = locate_study(cohort["study_id"], config["mirrors"])
    except DataError:
        return []  # the script reports where it looked
    return sorted(str(p) for p in folder.glob("*.txt"))


rule import_study:
    input:
        study_input_files,
    output:
        [f"results/{{cohort}}/study/{f}" for f in STUDY_FILES],
    params:
        cohort=cohort_config,
    # Network sources run on the submitting host: compute nodes often cannot reach the internet.
    localrule: config["source"] in ("api", "datahub", "auto")
    log:
        "logs/import_study/{cohort}.log",
    benchmark:
        "logs/benchmarks/import_study/{cohort}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/import_study.py"
