"""Shared survival test data: the R reference fixtures (tests/reference/, made by
survival_reference.R from the fixture tables there), small synthetic analyses, and a helper that
fills a partial ``survival:`` block with the schema's defaults."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from her2cohort import survival as sv
from her2cohort.config import load_schema, validate

REF = Path(__file__).resolve().parents[1] / "reference"
REPO = Path(__file__).resolve().parents[2]


def survival_config(block: dict[str, Any]) -> dict[str, Any]:
    """A partial ``survival:`` block validated, with the cohort schema's defaults filled."""
    schema = {**load_schema("cohort"), "required": []}
    filled: dict[str, Any] = validate({"survival": block}, schema, "test")["survival"]
    return filled


# ------------------------------------------------------------------------ R reference values
@functools.cache
def spec() -> pd.DataFrame:
    return pd.read_csv(REF / "models.tsv", sep="\t", keep_default_na=False, dtype=str)


@functools.cache
def r_table(name: str) -> pd.DataFrame:
    return sv.read_table(REF / f"r_{name}.tsv")


@functools.cache
def fixture(cohort: str, analysis: str) -> tuple[sv.Analysis, pd.DataFrame, tuple[str, ...]]:
    rows = spec()[(spec()["cohort"] == cohort) & (spec()["analysis"] == analysis)]
    first = rows.iloc[0]
    levels = {
        k: tuple(v.split("|")) for k, v in (kv.split("=") for kv in first["levels"].split(";"))
    }
    models = {m: tuple(t.split("+")) for m, t in zip(rows["model"], rows["terms"], strict=True)}
    used = {t for terms in models.values() for t in terms}
    comparisons = tuple(tuple(c.split("<")) for c in first["comparisons"].split(";") if c)
    a = sv.Analysis(
        name=analysis,
        title=analysis,
        group_source="group",
        levels=levels["group"],
        numeric=tuple(sorted(used - set(levels))),
        categorical={k: v for k, v in levels.items() if k != "group"},
        models=models,
        comparisons=comparisons,  # type: ignore[arg-type]
    )
    return a, sv.read_table(REF / first["file"]), tuple(first["truncations"].split(","))


@functools.cache
def cox_fit(cohort: str, analysis: str, model: str, truncation: str) -> sv.CoxFit:
    a, data, _ = fixture(cohort, analysis)
    return sv.fit_cox(data, a, model, truncation)


def _cases(per_model: bool) -> list[tuple[str, ...]]:
    out = []
    for (cohort, analysis), rows in spec().groupby(["cohort", "analysis"], sort=False):
        for trunc in rows.iloc[0]["truncations"].split(","):
            if per_model:
                out += [(cohort, analysis, m, trunc) for m in rows["model"]]
            else:
                out.append((cohort, analysis, trunc))
    return out


def r_rows(name: str, **keys: str) -> pd.DataFrame:
    """The rows of tests/reference/r_<name>.tsv matching ``keys``."""
    t = r_table(name)
    for k, v in keys.items():
        t = t[t[k] == v]
    assert len(t), f"no R reference rows in r_{name}.tsv for {keys}"
    return t


MODEL_CASES = _cases(per_model=True)
ANALYSIS_CASES = _cases(per_model=False)


# ------------------------------------------------------------------------ synthetic analyses
HER2_ANALYSIS = sv.Analysis(
    name="t",
    title="t",
    group_source="her2",
    levels=("HER2-0", "HER2-low", "HER2-positive"),
    numeric=("age",),
    categorical={"primary_hr_status": ("positive", "negative")},
    models={"adjusted": ("group", "age", "primary_hr_status")},
    her2_rule="asco_cap_2018",
    her2_zero_one="zero",
)


def synthetic(seed: int = 3, n: int = 120) -> pd.DataFrame:
    """An analysis table of groups A, B, C (C without deaths), with entries and ages."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(n)],
            "group": rng.choice(["A", "B", "C"], n),
            "time": np.round(rng.exponential(30, n), 1) + 0.1,
            "event": (rng.random(n) < 0.6).astype(int),
            "entry": np.round(rng.uniform(0, 5, n), 2),
            "age": rng.normal(55, 10, n),
        }
    )
    d.loc[d["group"] == "C", "event"] = 0  # a level without deaths
    return d


EDGE = sv.Analysis(
    name="edge",
    title="edge",
    group_source="x",
    levels=("A", "B", "C", "D"),
    numeric=("age",),
    models={"crude": ("group",), "adjusted": ("group", "age")},
)
