# Helpers shared by all rules: configuration validation, cohort files, target lists.
import os
import sys
from pathlib import Path

from her2cohort.config import load_cohort, validate
from her2cohort.errors import DataError
from her2cohort.source.tables import TABLE_FILES

SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"

# Scripts find the package through the workflow, not the submitting shell: jobs (local, SLURM, or a
# conda env made from envs/her2cohort.yaml) inherit this PYTHONPATH.
_SRC = str(Path(workflow.basedir) / "src")
if _SRC not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_SRC, os.environ.get("PYTHONPATH")) if p)

try:
    validate(config, SCHEMAS / "config.schema.yaml", "config/config.yaml")
    COHORTS = {name: load_cohort(config, name, SCHEMAS) for name in config["cohorts"]}
except DataError as exc:
    sys.exit(f"her2cohort configuration error: {exc}")

RULES = list(config["her2"]["rules"])
STUDY_FILES = list(TABLE_FILES.values()) + ["manifest.json"]


wildcard_constraints:
    cohort="|".join(COHORTS),
    rule="|".join(RULES),


def cohort_config(wildcards):
    return COHORTS[wildcards.cohort]


def study_outputs(cohort):
    return [f"results/{cohort}/study/{f}" for f in STUDY_FILES]


def harmonize_outputs(cohort):
    outs = [f"results/{cohort}/her2/{r}/{f}" for r in RULES for f in ("samples.tsv", "audit.tsv")]
    outs += [
        f"results/{cohort}/her2/{f}"
        for f in ("categories.parquet", "transitions.tsv", "switching.tsv", "summary.tsv")
    ]
    return outs


# Each stage's .smk appends a function cohort -> list of its final outputs.
TARGET_FUNCTIONS = []


def all_targets():
    targets = []
    for cohort in COHORTS:
        targets += study_outputs(cohort)
        targets += [f"results/{cohort}/clinical/clinical.parquet"]
        targets += harmonize_outputs(cohort)
        for fn in TARGET_FUNCTIONS:
            targets += fn(cohort)
    return targets
