# Stage 5: survival (Kaplan-Meier, log-rank, Cox PH; naive and left-truncated fits side by side).
#
#   survival_tables   results/{cohort}/survival/{analysis}/<t>.tsv, t in ANALYSIS_FILES: data (one
#                     row per patient: refit it anywhere), exclusions, km_curves, cif_curves, km,
#                     logrank, cox, contrasts, models, lrt, ph_test, rmst, periods, cif (one job
#                     per analysis: the Python start-up dominates these small fits); an analysis
#                     grouped by an alteration also reads the alteration matrix and its summary
#   survival_figures  results/{cohort}/figures/survival_{analysis}_km.png|svg, _forest.png|svg,
#                     drawn from the tables
#   survival_cif      results/{cohort}/figures/survival_{analysis}_cif.png|svg: cumulative
#                     incidence of both causes of death (`endpoint: dss` analyses only)
#   survival_summary  results/{cohort}/survival/warnings.tsv, claims.tsv
#
# Analyses (and their HER2 sensitivity variants, SURVIVAL_ANALYSES in common.smk) come from the
# `survival:` block of each cohort file; see her2cohort.survival for the methods and their
# agreement with R's survival package.

# What the cohort schema cannot check (a `dss` analysis needs patient_fields.vital_status, an
# alteration group a row of the alterations file, a claim an existing analysis, model and tau):
# one line naming the cohort file, before any job.
from her2cohort.survival import alteration_ids, check_survival_config

try:
    for _cohort in COHORTS.values():
        check_survival_config(_cohort, config["her2"], alteration_ids(config["alterations"]))
except DataError as exc:
    sys.exit(f"her2cohort configuration error: {exc}")

_DSS_ANALYSES = sorted({a for c in COHORTS for a in dss_analyses(c)})


rule survival_tables:
    input:
        unpack(survival_tables_inputs),
    output:
        **survival_files(*ANALYSIS_FILES),
    log:
        "logs/survival_tables/{cohort}/{analysis}.log",
    benchmark:
        "logs/benchmarks/survival_tables/{cohort}/{analysis}.tsv"
    params:
        analysis=survival_analysis,
        settings=survival_settings,
    threads: 1
    resources:
        mem_mb=1600,
        runtime=15,
    conda:
        CONDA_ENV
    script:
        "../scripts/survival_tables.py"


rule survival_figures:
    input:
        **survival_files("data", "km_curves", "logrank", "cox", "models"),
    output:
        **report_figure(
            "km",
            "results/{cohort}/figures/survival_{analysis}_km",
            "survival_km.rst",
            "3 Survival",
            analysis="{analysis}",
            figure="Kaplan-Meier",
        ),
        **report_figure(
            "forest",
            "results/{cohort}/figures/survival_{analysis}_forest",
            "survival_forest.rst",
            "3 Survival",
            analysis="{analysis}",
            figure="Cox forest",
        ),
    log:
        "logs/survival_figures/{cohort}/{analysis}.log",
    benchmark:
        "logs/benchmarks/survival_figures/{cohort}/{analysis}.tsv"
    params:
        analysis=survival_analysis,
        settings=survival_settings,
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/survival_figures.py"


rule survival_cif:
    input:
        **survival_files("data", "cif_curves", "cif"),
    output:
        **report_figure(
            "cif",
            "results/{cohort}/figures/survival_{analysis}_cif",
            "survival_cif.rst",
            "3 Survival",
            analysis="{analysis}",
            figure="cumulative incidence",
        ),
    log:
        "logs/survival_cif/{cohort}/{analysis}.log",
    benchmark:
        "logs/benchmarks/survival_cif/{cohort}/{analysis}.tsv"
    wildcard_constraints:
        analysis="|".join(_DSS_ANALYSES) or "(?!)",
    params:
        analysis=survival_analysis,
        settings=survival_settings,
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/survival_cif.py"


rule survival_summary:
    input:
        unpack(survival_summary_inputs),
    output:
        warnings="results/{cohort}/survival/warnings.tsv",
        claims=report(
            "results/{cohort}/survival/claims.tsv",
            caption="../report/survival_claims.rst",
            category="{cohort}",
            subcategory="3 Survival",
            labels={"analysis": "all", "figure": "claims"},
        ),
    log:
        "logs/survival_summary/{cohort}.log",
    benchmark:
        "logs/benchmarks/survival_summary/{cohort}.tsv"
    params:
        claims=survival_claims,
        settings=survival_settings,
        analyses=survival_claim_analyses,
    localrule: True
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        CONDA_ENV
    script:
        "../scripts/survival_summary.py"
