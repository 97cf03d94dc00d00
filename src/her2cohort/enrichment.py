"""HER2-low enrichment per alteration: the published counts, then the statistics it did not run.

For each alteration: counts of HER2 categories among altered samples, the share HER2-low with a
Wilson CI, the same share among unaltered profiled samples (the cohort's own baseline), the odds
ratio of HER2-low vs HER2-0 (HER2-positive excluded) for altered vs unaltered with the exact
conditional CI and Fisher's p, Benjamini-Hochberg q across the table, and a Mantel-Haenszel odds
ratio stratified by HR status (HER2-low tracks ER positivity).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.alterations import EVENT_PROFILE, availability_from_summary
from her2cohort.contingency import (
    bh,
    category_counts,
    mantel_haenszel,  # noqa: F401 - part of this module's API (tests)
    odds_ratio_exact,  # noqa: F401
    statistics,
    wilson,  # noqa: F401
)
from her2cohort.published import published_comparison
from her2cohort.terms import KNOWN_CATEGORIES

LEAD_COLUMNS = [
    "alteration",
    "mechanism",
    "genes",
    "n_altered",
    "n_evaluable",
    "n_her2_0",
    "n_her2_low",
    "n_her2_positive",
    "pct_her2_low",
]
STAT_COLUMNS = [
    "pct_her2_low_ci_low",
    "pct_her2_low_ci_high",
    "n_unaltered_evaluable",
    "n_unaltered_her2_0",
    "n_unaltered_her2_low",
    "n_unaltered_her2_positive",
    "pct_her2_low_unaltered",
    "pct_her2_low_unaltered_ci_low",
    "pct_her2_low_unaltered_ci_high",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "fisher_p",
    "bh_q",
    "mh_odds_ratio",
    "mh_ci_low",
    "mh_ci_high",
    "mh_p",
    "breslow_day_p",
    "n_mh_strata",
    "n_not_profiled",
    "extension",
    "status",
]
COLUMNS = LEAD_COLUMNS + STAT_COLUMNS


def select_unit(
    frame: pd.DataFrame, unit: str, sequencing_time: pd.Series | None = None
) -> pd.DataFrame:
    """Every sample, or one per patient: the latest sequenced (ties and missing times: the last id)."""
    if unit == "sample":
        return frame
    if unit != "patient":
        raise ValueError(f"unit must be 'sample' or 'patient', not {unit!r}")
    order = pd.DataFrame({"sample_id": frame["sample_id"], "patient_id": frame["patient_id"]})
    order["t"] = (
        pd.to_numeric(sequencing_time, errors="coerce").to_numpy()
        if sequencing_time is not None
        else np.nan
    )
    order["t"] = order["t"].fillna(-np.inf)
    keep = order.sort_values(["patient_id", "t", "sample_id"]).drop_duplicates(
        "patient_id", keep="last"
    )
    return frame[frame["sample_id"].isin(keep["sample_id"])]


def enrichment_table(
    matrix: pd.DataFrame,
    categories: pd.Series,
    hr_status: pd.Series,
    definitions: pd.DataFrame,
    alpha: float = 0.05,
    cannot: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The enrichment table for one cohort and one HER2 rule set.

    matrix: sample rows, one column per alteration (1 / 0 / <NA>); categories and hr_status are
    aligned with matrix rows; definitions has alteration, mechanism, genes, extension;
    `cannot` maps alteration -> reason its statistics cannot be computed (e.g. no CNA profile).
    Counts are matrix products (:func:`her2cohort.contingency.category_counts`); the statistics
    are :func:`her2cohort.contingency.statistics`, shared with the genome-wide comparison.
    """
    cannot = dict(cannot or {})
    ids = list(definitions["alteration"])
    values = matrix[ids].astype("Int8")
    alt = (values == 1).to_numpy(dtype=bool, na_value=False)
    unalt = (values == 0).to_numpy(dtype=bool, na_value=False)
    counts = category_counts(alt, unalt, categories, hr_status)
    cat = pd.Series(categories.to_numpy(), dtype="string")
    any_known = bool(cat.isin(KNOWN_CATEGORIES).fillna(False).any())
    no_low_zero = not cat.isin(["HER2-low", "HER2-0"]).fillna(False).any()
    out = definitions[["alteration", "mechanism", "genes"]].reset_index(drop=True)
    out = pd.concat([out, counts], axis=1)
    out["n_not_profiled"] = values.isna().sum().to_numpy()
    out["extension"] = definitions["extension"].astype(bool).to_numpy()
    status = []
    for i, d in enumerate(ids):
        note = cannot.get(d)
        reason = note if note is not None and note.startswith("not computable") else None
        partial = None if reason is not None else note
        if reason is None and not (alt[:, i].any() or unalt[:, i].any()):
            reason = "not computable: no sample profiled for these genes and events"
        if reason is None and not any_known:
            reason = "not computable: no sample has a known HER2 category under this rule set"
        if reason is None and no_low_zero:
            reason = "not computable: HER2-0 and HER2-low cannot be told apart (no IHC scores)"
        if reason is not None:
            status.append(reason + (f"; {partial}" if partial else ""))
            continue
        text = (
            "computed"
            if out.at[i, "n_evaluable"]
            else "computed: no altered sample with a known HER2 category"
        )
        status.append(text + (f"; {partial}" if partial else ""))
    out["status"] = status
    computed = out["status"].str.startswith("computed").to_numpy(bool)
    stats = statistics(out[computed], alpha)
    out = out.join(stats)
    out["bh_q"] = bh(out["fisher_p"])
    return out[COLUMNS]


PROFILE_WORDS = {"cna": "CNA", "mutations": "mutation", "structural_variants": "fusion/SV"}


def _words(profiles: str) -> str:
    return "/".join(PROFILE_WORDS.get(p, p) for p in profiles.split("/"))


def cannot_compute(definitions: pd.DataFrame, availability: dict[str, bool]) -> dict[str, str]:
    """What each row's status must say: rows whose events all rely on a profile the study lacks
    are not computable; rows missing some profiles, or naming a gene the study never names
    (``genes_not_found``), are computed from the rest with the status saying so."""
    out = {}
    for d in definitions.itertuples(index=False):
        notes = [
            text
            for text in (getattr(d, "genes_resolved", ""), getattr(d, "genes_not_found", ""))
            if isinstance(text, str) and text
        ]
        events = d.events.split(",")
        missing = [e for e in events if not availability.get(EVENT_PROFILE[e], False)]
        profiles = "/".join(sorted({EVENT_PROFILE[e] for e in missing}))
        if missing and len(missing) == len(events):
            out[d.alteration] = "; ".join(
                [f"not computable: no {_words(profiles)} file in this copy of the study"] + notes
            )
            continue
        if missing:
            notes.insert(
                0, f"partial: {', '.join(missing)} not profiled in this study ({profiles})"
            )
        if notes:
            out[d.alteration] = "; ".join(notes)
    return out


SENSITIVITY_COLUMNS = [
    "rule",
    "zero_one_plus",
    "default",
    "alteration",
    "n_evaluable",
    "n_her2_low",
    "pct_her2_low",
    "pct_her2_low_ci_low",
    "pct_her2_low_ci_high",
    "pct_her2_low_unaltered",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "fisher_p",
    "bh_q",
    "mh_odds_ratio",
    "mh_p",
    "status",
]


def sensitivity(
    matrix: pd.DataFrame,
    scenarios: pd.DataFrame,
    hr_status: pd.Series,
    definitions: pd.DataFrame,
    defaults: dict[str, str],
    alpha: float = 0.05,
    cannot: dict[str, str] | None = None,
) -> pd.DataFrame:
    """pct HER2-low and odds ratios per alteration across rule sets and 0-1+ assignments.

    scenarios: the long categories table (sample_id, rule, zero_one_plus, tissue, her2_category);
    only the sequenced-sample tissue is used; matrix rows define the unit of analysis.
    """
    seq = scenarios[scenarios["tissue"] == "sequenced"]
    frames = []
    for (rule, z), sub in seq.groupby(["rule", "zero_one_plus"], sort=False):
        cats = sub.set_index("sample_id")["her2_category"].reindex(matrix["sample_id"])
        table = enrichment_table(matrix, cats, hr_status, definitions, alpha, cannot)
        table.insert(0, "default", defaults.get(rule) == z)
        table.insert(0, "zero_one_plus", z)
        table.insert(0, "rule", rule)
        frames.append(table[SENSITIVITY_COLUMNS])
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class EnrichmentResults:
    """The enrichment stage's outputs for one cohort.

    Attributes
    ----------
    tables
        Rule set -> the enrichment table (:data:`COLUMNS` plus ``unit``).
    published
        The published rule set's counts beside the published ones.
    sensitivity
        Share HER2-low and odds ratios across every rule set x 0-1+ assignment.
    """

    tables: dict[str, pd.DataFrame]
    published: pd.DataFrame
    sensitivity: pd.DataFrame


def run_enrichment(
    matrix: pd.DataFrame,
    summary: pd.DataFrame,
    clinical: pd.DataFrame,
    scenarios: pd.DataFrame,
    samples: Mapping[str, pd.DataFrame],
    rulesets: Mapping[str, Mapping[str, Any]],
    options: Mapping[str, Any],
    published: pd.DataFrame,
    study_id: str,
) -> EnrichmentResults:
    """Enrichment tables of every rule set, the published comparison and the sensitivity table.

    Parameters
    ----------
    matrix, summary
        The alteration matrix and its summary (``alterations/``).
    clinical
        The canonical clinical table, indexed by sample_id.
    scenarios
        The long HER2 categories table (every rule set x 0-1+ assignment x tissue).
    samples
        Rule set -> its per-sample HER2 table, indexed by sample_id.
    rulesets
        Rule set -> effective settings (``zero_one_plus``), see :func:`her2cohort.terms.resolve_rulesets`.
    options
        The ``enrichment`` config block (unit, confidence, published_ruleset).
    published, study_id
        The published table and the cohort's study id.
    """
    alpha = 1 - options["confidence"]
    unit = options["unit"]
    matrix = select_unit(matrix, unit, clinical["sequencing_time"].reindex(matrix["sample_id"]))
    hr = clinical["hr_status"].reindex(matrix["sample_id"])
    cannot = cannot_compute(summary, availability_from_summary(summary))
    tables = {}
    for rule in rulesets:
        cats = samples[rule]["her2_category"].reindex(matrix["sample_id"])
        tables[rule] = enrichment_table(matrix, cats, hr, summary, alpha, cannot)
        tables[rule].insert(len(LEAD_COLUMNS), "unit", unit)
    ours = tables[options["published_ruleset"]]
    defaults = {r: s["zero_one_plus"] for r, s in rulesets.items()}
    return EnrichmentResults(
        tables=tables,
        published=published_comparison(ours, published, study_id),
        sensitivity=sensitivity(matrix, scenarios, hr, summary, defaults, alpha, cannot),
    )
