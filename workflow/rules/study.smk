# Stage 1: read a study (folder / API / datahub) into canonical Parquet tables + manifest.json.
from her2cohort.source.folder import locate_study


def study_input_files(wildcards):
    """Every file the import reads, so edits to the mirror or the panel folders re-run it."""
    cohort = COHORTS[wildcards.cohort]
    files = [str(p) for d in config["gene_panel_dirs"] for p in Path(d).glob("*.txt")]
    if cohort.get("source", config["source"]) in ("folder", "auto"):
        try:
            folder = locate_study(cohort["study_id"], config["mirrors"])
        except DataError:
            pass  # the script reports where it looked
        else:
            files += [str(p) for p in folder.glob("*.txt")]
            files += [str(p) for p in folder.glob("case_lists/*.txt")]
    return sorted(files)


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
    script:
        "../scripts/import_study.py"
