# Stage 7: the evidence table. Every claim of config/claims.yaml on every cohort that can test it
# (results/{cohort}/claims/evidence.tsv), then across cohorts with the published table's own
# arithmetic (results/claims.tsv) and a forest of the estimates (report category "0 Claims").


rule claims_cohort:
    input:
        unpack(claims_cohort_inputs),
        claims=config["claims"],
        alterations=config["alterations"],
        published=config["published_table"],
    output:
        evidence="results/{cohort}/claims/evidence.tsv",
    log:
        "logs/claims_cohort/{cohort}.log",
    benchmark:
        "logs/benchmarks/claims_cohort/{cohort}.tsv"
    params:
        label=cohort_label,
        default_rule=DEFAULT_RULESET,
        rulesets=RULESETS,
        zero_one={r: HER2[r]["zero_one_plus"] for r in RULESETS},
        unit=config["enrichment"]["unit"],
    threads: 1
    resources:
        mem_mb=3000,
        runtime=15,
    conda:
        CONDA_ENV
    script:
        "../scripts/claims_cohort.py"


rule claims_all:
    input:
        evidence=[f"results/{c}/claims/evidence.tsv" for c in COHORTS],
        claims=config["claims"],
        published=config["published_table"],
    output:
        tsv="results/claims.tsv",
        forest=report(
            "results/claims_forest.png",
            caption="../report/claims_forest.rst",
            category="0 Claims",
            labels={"figure": "claims forest"},
        ),
        forest_svg="results/claims_forest.svg",
    log:
        "logs/claims_all/all.log",
    benchmark:
        "logs/benchmarks/claims_all/all.tsv"
    params:
        labels={c: COHORTS[c].get("label", c) for c in COHORTS},
    threads: 1
    resources:
        mem_mb=800,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/claims_all.py"
