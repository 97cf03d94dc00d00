"""HER2 harmonization: parse raw IHC / ISH values, then assign HER2-0 / HER2-low / HER2-positive.

Modules: :mod:`.parse` (raw values), :mod:`.classify` (rule sets), :mod:`.samples` (per-sample
tables), :mod:`.audit`, :mod:`.transitions`; :func:`harmonize_cohort` runs them all for a cohort.

Parsing works on the *distinct* raw values (a study has tens of them, whatever its size) and maps
the results back to samples with a vectorised join. Nothing is guessed: a value the grammar below
does not cover gets ``parse_status == "unparsed"``, is listed in the audit, and yields ``unknown``.

Rule sets
---------
``ihc_only`` (the rule behind the published table): the IHC score alone. ``0+`` -> HER2-0;
``0-1+``, ``1+``, ``1-2+``, ``2+`` -> HER2-low whatever the ISH; ``3+``, ``2-3+`` -> HER2-positive;
no IHC score -> unknown.

``asco_cap_2018`` (the clinical standard): IHC 3+ -> positive; IHC 2+ -> positive if ISH amplified,
HER2-low if not, unknown if ISH is missing / failed / equivocal; IHC 1+ -> HER2-low; IHC 0 -> HER2-0;
ISH amplified with IHC 0/1+ -> positive, flagged discordant. ISH amplification comes from the
ASCO/CAP 2018 dual-probe groups 1-5 where both ratio and average copy number exist, else from the
reported ISH status. A score range takes its upper score (``1-2+`` is read as 2+, ``2-3+`` as 3+),
except ``0-1+``, whose assignment (zero / low / unknown) is a configuration option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from her2cohort.harmonize.audit import (
    AUDIT_FIELDS,
    STATUS_AUDIT_FIELDS,
    audit,
    derivation_notes,
)
from her2cohort.harmonize.classify import classify, ish_group
from her2cohort.harmonize.parse import (
    IhcParse,
    IshStatusParse,
    IshValueParse,
    parse_her2_fields,
    parse_ihc,
    parse_ish_status,
    parse_ish_value,
)
from her2cohort.harmonize.samples import (
    SAMPLE_COLUMNS,
    all_scenarios,
    category_counts,
    harmonize_samples,
)
from her2cohort.harmonize.transitions import switching_summary, transitions
from her2cohort.terms import IshCuts

__all__ = [
    "AUDIT_FIELDS",
    "SAMPLE_COLUMNS",
    "STATUS_AUDIT_FIELDS",
    "HarmonizedCohort",
    "IhcParse",
    "IshStatusParse",
    "IshValueParse",
    "all_scenarios",
    "audit",
    "category_counts",
    "classify",
    "derivation_notes",
    "harmonize_cohort",
    "harmonize_samples",
    "ish_group",
    "parse_her2_fields",
    "parse_ihc",
    "parse_ish_status",
    "parse_ish_value",
    "switching_summary",
    "transitions",
]


@dataclass(frozen=True)
class HarmonizedCohort:
    """Everything the harmonize stage writes for one cohort.

    Attributes
    ----------
    samples, audits
        Per rule set: the per-sample table and the raw-value audit.
    categories
        Long table of categories for every rule set x 0-1+ assignment x tissue.
    transitions, switching
        Primary -> sequenced category counts of metastatic samples, and the switching rates.
    summary
        Category counts per rule set under its effective 0-1+ assignment.
    """

    samples: dict[str, pd.DataFrame]
    audits: dict[str, pd.DataFrame]
    categories: pd.DataFrame
    transitions: pd.DataFrame
    switching: pd.DataFrame
    summary: pd.DataFrame


def _cuts(settings: Mapping[str, Any]) -> IshCuts:
    names = [f.name for f in fields(IshCuts)]
    return IshCuts(**{k: settings[k] for k in names})


def harmonize_cohort(
    clinical: pd.DataFrame,
    unmapped: pd.DataFrame,
    columns: Mapping[str, str],
    rulesets: Mapping[str, Mapping[str, Any]],
    default_ruleset: str,
) -> HarmonizedCohort:
    """HER2 categories of a cohort under every configured rule set, with audit and transitions.

    Parameters
    ----------
    clinical
        The canonical clinical table (one row per sample).
    unmapped
        The clinical warnings table (values missing from a vocabulary).
    columns
        Canonical field -> source column of the cohort mapping (for the audit).
    rulesets
        Rule set -> its effective settings (``zero_one_plus`` and the ISH cuts), as resolved by
        :func:`her2cohort.terms.resolve_rulesets`.
    default_ruleset
        The rule set later steps use; flagged in the summary.
    """
    samples, audits, summaries = {}, {}, []
    for rule, settings in rulesets.items():
        zero_one = settings["zero_one_plus"]
        table = harmonize_samples(clinical, rule, zero_one, _cuts(settings))
        samples[rule] = table
        audits[rule] = audit(clinical, dict(columns), table, unmapped)
        counts = category_counts(table)
        counts.insert(0, "zero_one_plus", zero_one)
        counts.insert(0, "rule", rule)
        counts["default"] = rule == default_ruleset
        summaries.append(counts)
    first = next(iter(rulesets.values()))
    scenarios = all_scenarios(clinical, _cuts(first))
    defaults = {r: s["zero_one_plus"] for r, s in rulesets.items()}
    trans = transitions(scenarios, clinical["sample_type"], defaults)
    return HarmonizedCohort(
        samples=samples,
        audits=audits,
        categories=scenarios,
        transitions=trans,
        switching=switching_summary(trans),
        summary=pd.concat(summaries, ignore_index=True),
    )
