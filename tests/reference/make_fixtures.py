"""Copy analysis tables from results/ into tests/reference/data/ and write the model spec the R
reference script (survival_reference.R) and tests/survival/ both read.

    .venv/bin/snakemake --cores 2            # produce results/
    .venv/bin/python tests/reference/make_fixtures.py
    Rscript tests/reference/survival_reference.R

Run again (and re-run R) only when an analysis table or the analysis configuration changes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from her2cohort.config import load_cohort, load_yaml
from her2cohort.survival import expand_analyses, settings_from_config

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: cohort -> analyses kept as fixtures (the defaults plus one HER2 sensitivity variant)
FIXTURES = {
    "breast_msk_2018": ["her2_all", "her2_hrpos", "her2_all__ihc_only_low"],
    "brca_metabric": ["her2pos_subtype", "subtype_her2_all"],
}


def main() -> None:
    config = load_yaml(REPO / "config" / "config.yaml")
    config["cohort_dir"] = str(REPO / "config" / "cohorts")
    (HERE / "data").mkdir(exist_ok=True)
    rows = []
    for cohort, names in FIXTURES.items():
        spec = load_cohort(config, cohort)["survival"]
        settings = settings_from_config(spec)
        analyses = expand_analyses(spec, config["her2"])
        for name in names:
            a = analyses[name]
            src = REPO / "results" / cohort / "survival" / name / "data.tsv"
            dest = HERE / "data" / f"{cohort}__{name}.tsv"
            shutil.copyfile(src, dest)
            levels = ";".join(
                f"{var}={'|'.join(lv)}" for var, lv in {"group": a.levels, **a.categorical}.items()
            )
            comparisons = ";".join(f"{r}<{f}" for r, f in a.comparisons)
            for model, terms in a.models.items():
                rows.append(
                    {
                        "cohort": cohort,
                        "analysis": name,
                        "file": f"data/{dest.name}",
                        "model": model,
                        "terms": "+".join(terms),
                        "levels": levels,
                        "truncations": ",".join(settings.truncations),
                        "km_times": ",".join(f"{t:g}" for t in settings.km_times),
                        "comparisons": comparisons,
                    }
                )
    pd.DataFrame(rows).to_csv(HERE / "models.tsv", sep="\t", index=False)
    print(f"wrote {len(rows)} model rows and {sum(map(len, FIXTURES.values()))} tables to {HERE}")


if __name__ == "__main__":
    main()
