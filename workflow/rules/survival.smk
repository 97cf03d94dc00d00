# Stage 5: survival (Kaplan-Meier, log-rank, Cox PH; naive and left-truncated fits side by side).
#
#   survival_analysis  results/{cohort}/survival/{analysis}/data.tsv (one row per patient: refit it
#                      anywhere), exclusions.tsv, km.tsv, logrank.tsv, cox.tsv, contrasts.tsv,
#                      models.tsv, lrt.tsv, ph_test.tsv, km.png, forest.png
#                      (one job per analysis: the Python start-up dominates these small fits)
#   survival_summary   results/{cohort}/survival/warnings.tsv, claims.tsv
#
# Analyses (and their HER2 sensitivity variants) come from the `survival:` block of each cohort
# file; see her2cohort.survival for the methods and their agreement with R's survival package.
from her2cohort.survival import ANALYSIS_TABLES, claim_analyses, expand_analyses

try:
    SURVIVAL_ANALYSES = {
        name: expand_analyses(cohort.get("survival"), config["her2"]) for name, cohort in COHORTS.items()
    }
except DataError as exc:
    sys.exit(f"her2cohort configuration error: {exc}")

SURVIVAL_FILES = [f"{t}.tsv" for t in ANALYSIS_TABLES] + ["km.png", "forest.png"]
_SURVIVAL_NAMES = sorted({a for analyses in SURVIVAL_ANALYSES.values() for a in analyses}) or ["none"]


def survival_dir(cohort, analysis):
    return f"results/{cohort}/survival/{analysis}"


def survival_claims(cohort):
    return (COHORTS[cohort].get("survival") or {}).get("claims")


def survival_targets(cohort):
    analyses = SURVIVAL_ANALYSES.get(cohort) or {}
    if not analyses:
        return []
    outs = []
    for a in analyses:
        outs += [f"{survival_dir(cohort, a)}/{f}" for f in ["data.tsv", *SURVIVAL_FILES]]
    outs += [f"results/{cohort}/survival/warnings.tsv", f"results/{cohort}/survival/claims.tsv"]
    return outs


TARGET_FUNCTIONS.append(survival_targets)


def survival_summary_inputs(wildcards):
    c = wildcards.cohort
    used = claim_analyses(survival_claims(c))
    return {
        "exclusions": [f"{survival_dir(c, a)}/exclusions.tsv" for a in SURVIVAL_ANALYSES[c]],
        "cox": [f"{survival_dir(c, a)}/cox.tsv" for a in used],
        "contrasts": [f"{survival_dir(c, a)}/contrasts.tsv" for a in used],
        "lrt": [f"{survival_dir(c, a)}/lrt.tsv" for a in used],
    }


rule survival_analysis:
    input:
        clinical="results/{cohort}/clinical/clinical.parquet",
        categories="results/{cohort}/her2/categories.parquet",
    output:
        data="results/{cohort}/survival/{analysis}/data.tsv",
        exclusions="results/{cohort}/survival/{analysis}/exclusions.tsv",
        km="results/{cohort}/survival/{analysis}/km.tsv",
        logrank="results/{cohort}/survival/{analysis}/logrank.tsv",
        cox="results/{cohort}/survival/{analysis}/cox.tsv",
        contrasts="results/{cohort}/survival/{analysis}/contrasts.tsv",
        models="results/{cohort}/survival/{analysis}/models.tsv",
        lrt="results/{cohort}/survival/{analysis}/lrt.tsv",
        ph_test="results/{cohort}/survival/{analysis}/ph_test.tsv",
        km_png="results/{cohort}/survival/{analysis}/km.png",
        forest_png="results/{cohort}/survival/{analysis}/forest.png",
        km_fig=report(
            "results/{cohort}/figures/survival_{analysis}_km.png",
            caption="../report/survival_km.rst",
            category="{cohort}",
            subcategory="3 Survival",
            labels={"analysis": "{analysis}", "figure": "Kaplan-Meier"},
        ),
        km_svg="results/{cohort}/figures/survival_{analysis}_km.svg",
        forest_fig=report(
            "results/{cohort}/figures/survival_{analysis}_forest.png",
            caption="../report/survival_forest.rst",
            category="{cohort}",
            subcategory="3 Survival",
            labels={"analysis": "{analysis}", "figure": "Cox forest"},
        ),
        forest_svg="results/{cohort}/figures/survival_{analysis}_forest.svg",
    params:
        survival=lambda wc: COHORTS[wc.cohort].get("survival"),
        her2=config["her2"],
    wildcard_constraints:
        analysis="|".join(_SURVIVAL_NAMES),
    log:
        "logs/survival_analysis/{cohort}/{analysis}.log",
    benchmark:
        "logs/benchmarks/survival_analysis/{cohort}/{analysis}.tsv"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    script:
        "../scripts/survival_analysis.py"


rule survival_summary:
    input:
        unpack(survival_summary_inputs),
    output:
        warnings="results/{cohort}/survival/warnings.tsv",
        claims=report(
            "results/{cohort}/survival/claims.tsv",
            caption="../report/claims.rst",
            category="{cohort}",
            subcategory="3 Survival",
            labels={"analysis": "all", "figure": "claims"},
        ),
    params:
        survival=lambda wc: COHORTS[wc.cohort].get("survival"),
    localrule: True
    log:
        "logs/survival_summary/{cohort}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/survival_summary.py"
