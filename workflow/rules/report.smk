# Stage 6: the report's summary page and provenance, filled from results (`make report`).


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
        if SURVIVAL_ANALYSES[cohort]:
            files[f"{cohort}__claims"] = f"results/{cohort}/survival/claims.tsv"
            files[f"{cohort}__survival_warnings"] = f"results/{cohort}/survival/warnings.tsv"
    return files


rule report_summary:
    input:
        unpack(summary_inputs),
        template=str(REPORT_DIR / "summary.rst"),
        provenance_template=str(REPORT_DIR / "provenance.rst"),
    output:
        summary=report(
            "results/summary/summary.html",
            caption="../report/summary_caption.rst",
            category="0 Summary",
            labels={"page": "summary"},
        ),
        provenance=report(
            "results/summary/provenance.html",
            caption="../report/provenance_caption.rst",
            category="0 Summary",
            labels={"page": "provenance"},
        ),
    params:
        cohorts={c: COHORTS[c].get("label", c) for c in COHORTS},
        cohort_files=[COHORTS[c]["path"] for c in COHORTS],
        default_rule=DEFAULT_RULESET,
        fields={c: mapped_fields(COHORTS[c]) for c in COHORTS},
    log:
        "logs/report_summary/all.log",
    benchmark:
        "logs/benchmarks/report_summary/all.tsv"
    localrule: True
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/report_summary.py"

