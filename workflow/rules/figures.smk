# Figures of the HER2 and enrichment stages (survival figures: survival.smk).


rule figures_her2:
    input:
        categories="results/{cohort}/her2/categories.parquet",
        transitions="results/{cohort}/her2/transitions.tsv",
        samples=f"results/{{cohort}}/her2/{DEFAULT_RULESET}/samples.tsv",
    output:
        **report_figure(
            "composition",
            "results/{cohort}/figures/her2_composition",
            "her2_composition.rst",
            "1 HER2 harmonization",
            figure="HER2 categories by rule set",
        ),
        **report_figure(
            "transitions",
            "results/{cohort}/figures/her2_transitions",
            "her2_transitions.rst",
            "1 HER2 harmonization",
            figure="primary vs sequenced sample",
        ),
    log:
        "logs/figures_her2/{cohort}.log",
    benchmark:
        "logs/benchmarks/figures_her2/{cohort}.tsv"
    params:
        label=cohort_label,
    threads: 1
    resources:
        mem_mb=1200,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/figures_her2.py"


rule figures_enrichment:
    input:
        table="results/{cohort}/enrichment/{ruleset}/her2_low_enrichment.tsv",
        published="results/{cohort}/enrichment/published_comparison.tsv",
    output:
        **report_figure(
            "share",
            "results/{cohort}/figures/enrichment_share_{ruleset}",
            "enrichment_share.rst",
            "2 HER2-low enrichment",
            figure="share HER2-low",
            **{"rule set": "{ruleset}"},
        ),
        **report_figure(
            "forest",
            "results/{cohort}/figures/enrichment_forest_{ruleset}",
            "enrichment_forest.rst",
            "2 HER2-low enrichment",
            figure="odds ratios",
            **{"rule set": "{ruleset}"},
        ),
    log:
        "logs/figures_enrichment/{cohort}_{ruleset}.log",
    benchmark:
        "logs/benchmarks/figures_enrichment/{cohort}_{ruleset}.tsv"
    params:
        label=cohort_label,
        published=lambda wc: wc.ruleset == config["enrichment"]["published_ruleset"],
        zero_one_plus=lambda wc: HER2[wc.ruleset]["zero_one_plus"],
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/figures_enrichment.py"


rule figures_oncoprint:
    input:
        matrix="results/{cohort}/alterations/matrix.parquet",
        samples=f"results/{{cohort}}/her2/{DEFAULT_RULESET}/samples.tsv",
        summary="results/{cohort}/alterations/summary.tsv",
        calls="results/{cohort}/alterations/calls.tsv",
        clinical="results/{cohort}/clinical/clinical.parquet",
    output:
        **report_figure(
            "png",
            "results/{cohort}/figures/oncoprint",
            "oncoprint.rst",
            "2 HER2-low enrichment",
            figure="oncoprint",
        ),
    log:
        "logs/figures_oncoprint/{cohort}.log",
    benchmark:
        "logs/benchmarks/figures_oncoprint/{cohort}.tsv"
    params:
        label=cohort_label,
        ruleset=DEFAULT_RULESET,
        zero_one_plus=HER2[DEFAULT_RULESET]["zero_one_plus"],
    threads: 1
    resources:
        mem_mb=600,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/figures_oncoprint.py"


rule figures_volcano:
    input:
        genes="results/{cohort}/enrichment/{ruleset}/genes.tsv",
    output:
        **report_figure(
            "png",
            "results/{cohort}/figures/enrichment_volcano_{ruleset}",
            "enrichment_volcano.rst",
            "2 HER2-low enrichment",
            figure="every gene (volcano)",
            **{"rule set": "{ruleset}"},
        ),
    log:
        "logs/figures_volcano/{cohort}_{ruleset}.log",
    benchmark:
        "logs/benchmarks/figures_volcano/{cohort}_{ruleset}.tsv"
    params:
        label=cohort_label,
        zero_one_plus=lambda wc: HER2[wc.ruleset]["zero_one_plus"],
        label_top=config["enrichment"]["genes"]["label_top"],
    threads: 1
    resources:
        mem_mb=600,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/figures_volcano.py"
