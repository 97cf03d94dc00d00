# Figures of the HER2 and enrichment stages (survival figures are made by the survival rules).


rule figures_her2:
    input:
        categories="results/{cohort}/her2/categories.parquet",
        transitions="results/{cohort}/her2/transitions.tsv",
    output:
        composition=report(
            "results/{cohort}/figures/her2_composition.png",
            caption="../report/her2_composition.rst",
            category="{cohort}",
            subcategory="1 HER2 harmonization",
            labels={"figure": "HER2 categories by rule set"},
        ),
        composition_svg="results/{cohort}/figures/her2_composition.svg",
        transitions=report(
            "results/{cohort}/figures/her2_transitions.png",
            caption="../report/her2_transitions.rst",
            category="{cohort}",
            subcategory="1 HER2 harmonization",
            labels={"figure": "primary vs sequenced sample"},
        ),
        transitions_svg="results/{cohort}/figures/her2_transitions.svg",
    params:
        label=lambda wc: COHORTS[wc.cohort].get("label", wc.cohort),
    log:
        "logs/figures_her2/{cohort}.log",
    benchmark:
        "logs/benchmarks/figures_her2/{cohort}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/figures_her2.py"


rule figures_enrichment:
    input:
        table="results/{cohort}/enrichment/{rule}/her2_low_enrichment.tsv",
        published="results/{cohort}/enrichment/published_comparison.tsv",
    output:
        share=report(
            "results/{cohort}/figures/enrichment_share_{rule}.png",
            caption="../report/enrichment_share.rst",
            category="{cohort}",
            subcategory="2 HER2-low enrichment",
            labels={"figure": "share HER2-low", "rule set": "{rule}"},
        ),
        share_svg="results/{cohort}/figures/enrichment_share_{rule}.svg",
        forest=report(
            "results/{cohort}/figures/enrichment_forest_{rule}.png",
            caption="../report/enrichment_forest.rst",
            category="{cohort}",
            subcategory="2 HER2-low enrichment",
            labels={"figure": "odds ratios", "rule set": "{rule}"},
        ),
        forest_svg="results/{cohort}/figures/enrichment_forest_{rule}.svg",
    params:
        label=lambda wc: COHORTS[wc.cohort].get("label", wc.cohort),
    log:
        "logs/figures_enrichment/{cohort}_{rule}.log",
    benchmark:
        "logs/benchmarks/figures_enrichment/{cohort}_{rule}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/figures_enrichment.py"


rule figures_oncoprint:
    input:
        matrix="results/{cohort}/alterations/matrix.parquet",
        samples=f"results/{{cohort}}/her2/{config['her2']['default_rule']}/samples.tsv",
        summary="results/{cohort}/alterations/summary.tsv",
    output:
        png=report(
            "results/{cohort}/figures/oncoprint.png",
            caption="../report/oncoprint.rst",
            category="{cohort}",
            subcategory="2 HER2-low enrichment",
            labels={"figure": "oncoprint"},
        ),
        svg="results/{cohort}/figures/oncoprint.svg",
    params:
        label=lambda wc: COHORTS[wc.cohort].get("label", wc.cohort),
        rule=config["her2"]["default_rule"],
    log:
        "logs/figures_oncoprint/{cohort}.log",
    benchmark:
        "logs/benchmarks/figures_oncoprint/{cohort}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/figures_oncoprint.py"


def figure_targets(cohort):
    return (
        [f"results/{cohort}/figures/{f}.png" for f in ("her2_composition", "her2_transitions", "oncoprint")]
        + [f"results/{cohort}/figures/enrichment_{kind}_{r}.png" for kind in ("share", "forest") for r in RULES]
    )


TARGET_FUNCTIONS.append(figure_targets)
