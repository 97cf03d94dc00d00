"""Per-sample HER2 tables: one rule set's samples table, every scenario, category counts."""

from __future__ import annotations

import pandas as pd

from her2cohort.harmonize.classify import classify
from her2cohort.harmonize.parse import parse_her2_fields
from her2cohort.terms import CATEGORIES, RULESETS, TISSUES, ZERO_ONE_OPTIONS, IshCuts

SAMPLE_COLUMNS = [
    "sample_id",
    "patient_id",
    "sample_type",
    "rule",
    "zero_one_plus",
    "ihc_raw",
    "ihc_parse_status",
    "ihc_score",
    "ihc_focal",
    "ihc_outside",
    "ihc_outside_score",
    "ihc_heterogeneous",
    "ihc_heterogeneous_pct",
    "ish_status_raw",
    "ish_status_status",
    "ish_status_outside",
    "ish_raw",
    "ish_parse_status",
    "ish_ratio",
    "ish_copy_number",
    "ish_other_ratios",
    "ish_outside_ratio",
    "ish_outside",
    "ish_local_failed",
    "ish_heterogeneous",
    "ish_implausible",
    "ish_group",
    "ish_amplified",
    "ish_flag",
    "her2_status",
    "her2_category",
    "reason",
    "discordant",
    "primary_ihc_raw",
    "primary_ish_status_raw",
    "primary_ish_raw",
    "primary_her2_category",
    "primary_reason",
]


def harmonize_samples(
    clinical: pd.DataFrame, rule: str, zero_one: str, cuts: IshCuts | None = None
) -> pd.DataFrame:
    """The per-sample table of one rule set: raw and parsed fields, category and reason."""
    seq = parse_her2_fields(clinical)
    cls = classify(seq, rule, zero_one, clinical["her2_status"], cuts)
    prim = parse_her2_fields(clinical, "primary_")
    pcls = classify(prim, rule, zero_one, clinical["primary_her2_status"], cuts)
    out = pd.concat(
        [clinical[["sample_id", "patient_id", "sample_type", "her2_status"]], seq, cls], axis=1
    )
    out["rule"] = rule
    out["zero_one_plus"] = zero_one
    out["primary_ihc_raw"] = prim["ihc_raw"]
    out["primary_ish_status_raw"] = prim["ish_status_raw"]
    out["primary_ish_raw"] = prim["ish_raw"]
    out["primary_her2_category"] = pcls["her2_category"]
    out["primary_reason"] = pcls["reason"]
    return out[SAMPLE_COLUMNS]


def all_scenarios(clinical: pd.DataFrame, cuts: IshCuts | None = None) -> pd.DataFrame:
    """Long table of categories for every rule x 0-1+ assignment x tissue (sequenced / primary)."""
    frames = []
    prefix = {"sequenced": "", "primary": "primary_"}
    parsed = {t: parse_her2_fields(clinical, prefix[t]) for t in TISSUES}
    status = {t: clinical[f"{prefix[t]}her2_status"] for t in TISSUES}
    for rule in RULESETS:
        for z in ZERO_ONE_OPTIONS:
            for tissue, p in parsed.items():
                cls = classify(p, rule, z, status[tissue], cuts)
                frames.append(
                    pd.DataFrame(
                        {
                            "sample_id": clinical["sample_id"],
                            "patient_id": clinical["patient_id"],
                            "rule": rule,
                            "zero_one_plus": z,
                            "tissue": tissue,
                            "her2_category": cls["her2_category"],
                            "discordant": cls["discordant"],
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)


def category_counts(samples: pd.DataFrame) -> pd.DataFrame:
    counts = samples["her2_category"].value_counts().reindex(list(CATEGORIES), fill_value=0)
    return counts.rename_axis("her2_category").reset_index(name="n")
