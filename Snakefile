# her2cohort: cBioPortal breast cohorts -> harmonized HER2 -> alterations -> enrichment -> survival -> report.
#
#   rule                 writes (per cohort unless said)                      from
#   import_study         results/{cohort}/study/*.parquet, manifest.json      folder | api | datahub
#   clinical             clinical/clinical.parquet, warnings.tsv              study
#   harmonize_her2       her2/{ruleset}/samples.tsv, audit.tsv, categories,   clinical
#                        transitions.tsv, switching.tsv, summary.tsv
#   alteration_matrix    alterations/matrix.parquet, calls.tsv, summary.tsv   study
#   enrichment           enrichment/{ruleset}/her2_low_enrichment.tsv,        alterations, her2
#                        published_comparison.tsv, sensitivity.tsv
#   gene_comparison      enrichment/{ruleset}/genes.tsv (genome-wide)         study, her2
#   figures_her2 / figures_enrichment / figures_oncoprint / figures_volcano   figures/*.png|svg
#   survival_tables      survival/{analysis}/*.tsv                            clinical, her2
#   survival_figures     figures/survival_{analysis}_km|forest.png|svg        survival tables
#   survival_summary     survival/warnings.tsv, claims.tsv                    survival tables
#   pooled               results/pooled/*.tsv, figures/*_forest.png|svg       all cohorts' enrichment, cox
#   claims_cohort        claims/evidence.tsv (config/claims.yaml)             study, her2, enrichment, survival
#   claims_all           results/claims.tsv, claims_forest.png|svg           all cohorts' evidence
#   report_summary       results/summary/summary.html, provenance.html        all cohorts
#   (make report)        results/report.html (snakemake --report)
#
# Targets: workflow/rules/common.smk lists every stage's outputs (STAGE_TARGETS).
# Resources: each rule's mem_mb is its peak RSS on a 200,000-sample study + ~25%
# (benchmarks/README.md); the largest is alteration_matrix, 2.4 GB measured.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/harmonize.smk"
include: "workflow/rules/enrichment.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/pooled.smk"
include: "workflow/rules/claims.smk"


onstart:
    for name, analyses in SURVIVAL_ANALYSES.items():
        if not analyses:
            print(f"her2cohort: cohort {name} has no survival analyses (no `survival:` block "
                  f"in {COHORTS[name]['path']}): survival is skipped", file=sys.stderr)


rule all:
    input:
        all_targets(),
    default_target: True
