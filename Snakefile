# her2cohort: cBioPortal breast cohorts -> harmonized HER2 -> alterations -> enrichment -> survival -> report.
#
#   import_study        results/{cohort}/study/*.parquet, manifest.json        (folder | api | datahub)
#   clinical            results/{cohort}/clinical/clinical.parquet, warnings.tsv (cohort mapping)
#   harmonize_her2      results/{cohort}/her2/{rule}/samples.tsv, audit.tsv, transitions.tsv
#   alteration_matrix   results/{cohort}/alterations/matrix.parquet
#   enrichment          results/{cohort}/enrichment/{rule}/her2_low_enrichment.tsv, published_comparison.tsv
#   survival            results/{cohort}/survival/{analysis}/...
#   report              results/report.html (snakemake --report)

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


# With --sdm conda every job runs in this environment (pinned like pyproject.toml).
conda: "envs/her2cohort.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/harmonize.smk"
include: "workflow/rules/enrichment.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        all_targets(),
    default_target: True
