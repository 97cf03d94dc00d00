# Stage 6: the report's summary page and provenance, filled from results (`make report`).



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
        titles=analysis_titles(),
    log:
        "logs/report_summary/all.log",
    benchmark:
        "logs/benchmarks/report_summary/all.tsv"
    localrule: True
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        CONDA_ENV
    script:
        "../scripts/report_summary.py"

