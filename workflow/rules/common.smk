# Helpers shared by every stage: configuration (validated, defaults filled), cohorts, the effective
# HER2 ruleset settings, the input and param functions of the stages, the report-figure helper and
# the explicit list of every stage's targets.
import re
import sys
from pathlib import Path

from her2cohort.clinical import mapped_fields
from her2cohort.config import load_cohort, validate_config
from her2cohort.errors import DataError
from her2cohort.runner import export_pythonpath
from her2cohort.source.folder import locate_study
from her2cohort.source.tables import TABLE_FILES
from her2cohort.survival import (
    ANALYSIS_FILES,
    CLAIM_TABLES,
    claim_analyses,
    expand_analyses,
    settings_from_config,
)
from her2cohort.terms import resolve_rulesets

# Scripts find the package through the workflow, not the submitting shell: jobs (local, SLURM, or a
# conda env made from envs/her2cohort.yaml) inherit this PYTHONPATH.
export_pythonpath(Path(workflow.basedir) / "src")
# Every job runs in this environment under --sdm conda (pinned like pyproject.toml).
CONDA_ENV = "../../envs/her2cohort.yaml"

try:
    validate_config(config)
    COHORTS = {name: load_cohort(config, name) for name in config["cohorts"]}
    SURVIVAL_ANALYSES = {
        name: expand_analyses(cohort.get("survival"), config["her2"])
        for name, cohort in COHORTS.items()
    }
except DataError as exc:
    sys.exit(f"her2cohort configuration error: {exc}")

RULESETS = list(config["her2"]["rules"])
DEFAULT_RULESET = config["her2"]["default_rule"]
# Each ruleset's effective settings (0-1+ assignment, ISH cuts), resolved once: jobs get them
# as params, so no script or library function re-derives them.
HER2 = {name: s.as_dict() for name, s in resolve_rulesets(config["her2"]).items()}
STUDY_FILES = list(TABLE_FILES.values()) + ["manifest.json"]
_ANALYSIS_NAMES = sorted({a for analyses in SURVIVAL_ANALYSES.values() for a in analyses})


wildcard_constraints:
    cohort="|".join(COHORTS),
    ruleset="|".join(RULESETS),
    analysis="|".join(_ANALYSIS_NAMES) or "(?!)",


# A target under results/<name>/ for a cohort not configured: one line saying what to write.
UNKNOWN_COHORT = "(?!(?:{})/)[^/]+".format(
    "|".join(re.escape(c) for c in [*COHORTS, "summary", "pooled"])
)


def unknown_cohort(wildcards):
    sys.exit(
        f"her2cohort configuration error: cohort '{wildcards.cohort}' is not in `cohorts` "
        f"({', '.join(COHORTS)}): add it there (config/config.yaml or --config "
        f"cohorts='[{', '.join([*COHORTS, wildcards.cohort])}]') and write "
        f"{config['cohort_dir']}/{wildcards.cohort}.yaml"
    )


def cohort_config(wildcards):
    return COHORTS[wildcards.cohort]


def cohort_label(wildcards):
    return COHORTS[wildcards.cohort].get("label", wildcards.cohort)


def report_figure(name, stem, caption, subcategory, **labels):
    """Outputs `name` (the PNG, registered in the report) and `name`_svg (its SVG twin)."""
    png = report(
        f"{stem}.png",
        caption=f"../report/{caption}",
        category="{cohort}",
        subcategory=subcategory,
        labels=labels,
    )
    return {name: png, f"{name}_svg": f"{stem}.svg"}




# ------------------------------------------------------------------ inputs and params of the stages
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


REPORT_DIR = Path(workflow.basedir) / "workflow" / "report"


def summary_inputs(wildcards):
    files = {}
    for cohort in COHORTS:
        files[f"{cohort}__manifest"] = f"results/{cohort}/study/manifest.json"
        files[f"{cohort}__her2_summary"] = f"results/{cohort}/her2/summary.tsv"
        files[f"{cohort}__published"] = f"results/{cohort}/enrichment/published_comparison.tsv"
        files[f"{cohort}__enrichment"] = (
            f"results/{cohort}/enrichment/{DEFAULT_RULESET}/her2_low_enrichment.tsv"
        )
        files[f"{cohort}__clinical_warnings"] = f"results/{cohort}/clinical/warnings.tsv"
        files[f"{cohort}__categories"] = f"results/{cohort}/her2/categories.parquet"
        # thumbnails on the summary page (sorted by key: composition, forest, volcano, KM)
        figures = f"results/{cohort}/figures"
        files[f"{cohort}__fig_1"] = f"{figures}/her2_composition.png"
        files[f"{cohort}__fig_2"] = f"{figures}/enrichment_forest_{DEFAULT_RULESET}.png"
        files[f"{cohort}__fig_3"] = f"{figures}/enrichment_volcano_{DEFAULT_RULESET}.png"
        if SURVIVAL_ANALYSES[cohort]:
            files[f"{cohort}__claims"] = f"results/{cohort}/survival/claims.tsv"
            files[f"{cohort}__survival_warnings"] = f"results/{cohort}/survival/warnings.tsv"
            first = next(iter(SURVIVAL_ANALYSES[cohort]))
            files[f"{cohort}__fig_4"] = f"{figures}/survival_{first}_km.png"
    files["all__claims"] = "results/claims.tsv"
    return files


def analysis_titles():
    """Cohort -> analysis id -> its title (variants carry their rule set and 0-1+ assignment)."""
    return {c: {a: an.title for a, an in SURVIVAL_ANALYSES[c].items()} for c in COHORTS}


def claims_cohort_inputs(wildcards):
    """What the claims read of one cohort: study, clinical, HER2, enrichment, survival claims."""
    c = wildcards.cohort
    files = {
        "manifest": f"results/{c}/study/manifest.json",
        "study": study_targets(c),
        "clinical": f"results/{c}/clinical/clinical.parquet",
        "samples": [f"results/{c}/her2/{r}/samples.tsv" for r in RULESETS],
        "categories": f"results/{c}/her2/categories.parquet",
        "switching": f"results/{c}/her2/switching.tsv",
        "sensitivity": f"results/{c}/enrichment/sensitivity.tsv",
    }
    if SURVIVAL_ANALYSES[c]:
        files["survival_claims"] = f"results/{c}/survival/claims.tsv"
    return files


def survival_files(*tables):
    return {t: f"results/{{cohort}}/survival/{{analysis}}/{t}.tsv" for t in tables}


def survival_tables_inputs(wildcards):
    """The clinical table and HER2 categories; the alteration matrix and its summary too for an
    analysis grouped by an alteration."""
    c = wildcards.cohort
    inputs = {
        "clinical": f"results/{c}/clinical/clinical.parquet",
        "categories": f"results/{c}/her2/categories.parquet",
    }
    if SURVIVAL_ANALYSES[c][wildcards.analysis].alteration is not None:
        inputs["matrix"] = f"results/{c}/alterations/matrix.parquet"
        inputs["alteration_summary"] = f"results/{c}/alterations/summary.tsv"
    return inputs


def dss_analyses(cohort):
    """The cohort's disease-specific analyses (they also draw cumulative incidence)."""
    return [a for a, spec in SURVIVAL_ANALYSES[cohort].items() if spec.endpoint == "dss"]


# Analyses and settings go to the scripts as plain dicts: Snakemake tracks such params for reruns.
def survival_analysis(wildcards):
    return SURVIVAL_ANALYSES[wildcards.cohort][wildcards.analysis].as_dict()


def survival_settings(wildcards):
    return settings_from_config(cohort_config(wildcards)["survival"]).as_dict()


def survival_claims(wildcards):
    return cohort_config(wildcards)["survival"]["claims"]


def survival_claim_analyses(wildcards):
    """The analyses the claims rest on and their HER2 sensitivity variants (plain dicts)."""
    used = claim_analyses(survival_claims(wildcards))
    analyses = SURVIVAL_ANALYSES[wildcards.cohort]
    return {
        a: spec.as_dict()
        for a, spec in analyses.items()
        if a in used or spec.sensitivity_of in used
    }


def survival_summary_inputs(wildcards):
    c = wildcards.cohort
    used = survival_claim_analyses(wildcards)
    analyses = SURVIVAL_ANALYSES[c]
    inputs = {"exclusions": [f"results/{c}/survival/{a}/exclusions.tsv" for a in analyses]}
    for kind in CLAIM_TABLES:
        inputs[kind] = [f"results/{c}/survival/{a}/{kind}.tsv" for a in used]
    return inputs


# ------------------------------------------------------------------------------ stage targets
def study_targets(cohort):
    return [f"results/{cohort}/study/{f}" for f in STUDY_FILES]


def clinical_targets(cohort):
    return [f"results/{cohort}/clinical/{f}" for f in ("clinical.parquet", "warnings.tsv")]


def harmonize_targets(cohort):
    outs = [f"results/{cohort}/her2/{r}/{f}" for r in RULESETS for f in ("samples.tsv", "audit.tsv")]
    outs += [
        f"results/{cohort}/her2/{f}"
        for f in ("categories.parquet", "transitions.tsv", "switching.tsv", "summary.tsv")
    ]
    return outs


def alteration_targets(cohort):
    return [f"results/{cohort}/alterations/{f}" for f in ("matrix.parquet", "calls.tsv", "summary.tsv")]


def enrichment_targets(cohort):
    return [
        f"results/{cohort}/enrichment/published_comparison.tsv",
        f"results/{cohort}/enrichment/sensitivity.tsv",
    ] + [
        f"results/{cohort}/enrichment/{r}/{f}"
        for r in RULESETS
        for f in ("her2_low_enrichment.tsv", "genes.tsv")
    ]


def figure_targets(cohort):
    stems = ["her2_composition", "her2_transitions", "oncoprint"]
    stems += [f"enrichment_{kind}_{r}" for kind in ("share", "forest", "volcano") for r in RULESETS]
    return [f"results/{cohort}/figures/{s}.{ext}" for s in stems for ext in ("png", "svg")]


def survival_targets(cohort):
    analyses = SURVIVAL_ANALYSES[cohort]
    if not analyses:
        return []
    outs = []
    for a in analyses:
        outs += [f"results/{cohort}/survival/{a}/{t}.tsv" for t in ANALYSIS_FILES]
        outs += [
            f"results/{cohort}/figures/survival_{a}_{kind}.{ext}"
            for kind in ("km", "forest")
            for ext in ("png", "svg")
        ]
    outs += [
        f"results/{cohort}/figures/survival_{a}_cif.{ext}"
        for a in dss_analyses(cohort)
        for ext in ("png", "svg")
    ]
    outs += [f"results/{cohort}/survival/{f}" for f in ("warnings.tsv", "claims.tsv")]
    return outs


def report_targets():
    return [f"results/summary/{f}" for f in ("summary.html", "provenance.html")]


def pooled_targets():
    tables = ("enrichment", "enrichment_by_cohort", "survival", "survival_by_cohort")
    outs = [f"results/pooled/{t}.tsv" for t in tables]
    figures = ("enrichment_forest", "survival_forest")
    return outs + [f"results/pooled/figures/{f}.{ext}" for f in figures for ext in ("png", "svg")]


STAGE_TARGETS = [
    study_targets,
    clinical_targets,
    harmonize_targets,
    alteration_targets,
    enrichment_targets,
    figure_targets,
    survival_targets,
]


def claims_targets():
    return [f"results/{c}/claims/evidence.tsv" for c in COHORTS] + [
        "results/claims.tsv",
        "results/claims_forest.png",
        "results/claims_forest.svg",
    ]


def all_targets():
    targets = [t for cohort in COHORTS for stage in STAGE_TARGETS for t in stage(cohort)]
    return targets + report_targets() + pooled_targets() + claims_targets()
