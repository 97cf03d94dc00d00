"""The HER2 vocabulary of the code: categories, rule sets, 0-1+ assignments, tissues, ISH cuts.

Everything that names a HER2 term takes it from here: the library, the figures, the workflow and
the JSON schemas (:func:`her2cohort.config.load_schema` fills their ``$defs`` from this module, so
a new rule set is added in one place).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

#: the HER2 categories a sample can be assigned, in clinical order (lowest expression first)
KNOWN_CATEGORIES: tuple[str, ...] = ("HER2-0", "HER2-low", "HER2-positive")
UNKNOWN = "unknown"
#: every category a table may hold, in display order
CATEGORIES: tuple[str, ...] = (*KNOWN_CATEGORIES, UNKNOWN)
#: the rule sets that assign the categories (see :mod:`her2cohort.harmonize`)
RULESETS: tuple[str, ...] = ("ihc_only", "asco_cap_2018")
#: how an IHC score of 0-1+ may be assigned
ZERO_ONE_OPTIONS: tuple[str, ...] = ("zero", "low", "unknown")
#: the tissue a HER2 result describes: the sequenced sample, or the diagnostic primary tumour
TISSUES: tuple[str, ...] = ("sequenced", "primary")
#: ASCO/CAP 2018 dual-probe ISH thresholds: HER2/CEP17 ratio cut and average HER2 copy-number cuts
ISH_CUT_DEFAULTS: Mapping[str, float] = {
    "ish_ratio_cut": 2.0,
    "ish_cn_low": 4.0,
    "ish_cn_high": 6.0,
    # an average HER2 copy number above this with a ratio below the cut is implausible as copies
    # per cell (TCGA reports total signal counts there, e.g. 79 with ratio 1.1)
    "ish_cn_max_per_cell": 20.0,
}
#: what decides amplification when the ASCO/CAP group and the reported ISH status disagree
ISH_CONFLICT_OPTIONS: tuple[str, ...] = ("status", "group")
#: the 0-1+ assignment of each rule set unless the configuration says otherwise
#: (``ihc_only`` follows the published table, where 0-1+ is HER2-low)
ZERO_ONE_DEFAULTS: Mapping[str, str] = {"ihc_only": "low", "asco_cap_2018": "zero"}


@dataclass(frozen=True)
class IshCuts:
    """ASCO/CAP 2018 dual-probe ISH thresholds, the copy-number plausibility limit, and which of
    the group and the reported status wins when they disagree (``group``: the ASCO/CAP 2018
    group, the rule set's definition; ``status``: the reported one). Disagreements are flagged."""

    ish_ratio_cut: float = ISH_CUT_DEFAULTS["ish_ratio_cut"]
    ish_cn_low: float = ISH_CUT_DEFAULTS["ish_cn_low"]
    ish_cn_high: float = ISH_CUT_DEFAULTS["ish_cn_high"]
    ish_cn_max_per_cell: float = ISH_CUT_DEFAULTS["ish_cn_max_per_cell"]
    ish_conflict: str = "group"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RulesetSettings:
    """One rule set's effective settings: its 0-1+ assignment and the ISH cuts."""

    name: str
    zero_one_plus: str
    cuts: IshCuts

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "zero_one_plus": self.zero_one_plus, **self.cuts.as_dict()}


def resolve_rulesets(her2: Mapping[str, Any]) -> dict[str, RulesetSettings]:
    """Each configured rule set's effective settings from the (validated) ``her2`` config block.

    ``her2.zero_one_plus`` maps rule set -> assignment; a rule set it does not name takes
    :data:`ZERO_ONE_DEFAULTS`.
    """
    cuts = IshCuts(
        **{k: float(her2.get(k, v)) for k, v in ISH_CUT_DEFAULTS.items()},
        ish_conflict=str(her2.get("ish_conflict", "group")),
    )
    zero_one = {**ZERO_ONE_DEFAULTS, **(her2.get("zero_one_plus") or {})}
    return {r: RulesetSettings(r, str(zero_one[r]), cuts) for r in her2["rules"]}


def zero_one_for(her2: Mapping[str, Any], ruleset: str) -> str:
    """The 0-1+ assignment ``ruleset`` uses under the ``her2`` config block."""
    return str({**ZERO_ONE_DEFAULTS, **(her2.get("zero_one_plus") or {})}[ruleset])


def schema_defs() -> dict[str, Any]:
    """The ``$defs`` the JSON schemas take from this module."""
    return {
        "ruleset": {"enum": list(RULESETS)},
        "zero_one_plus": {"enum": list(ZERO_ONE_OPTIONS)},
        "tissue": {"enum": list(TISSUES)},
        "her2_category": {"enum": list(CATEGORIES)},
        "ish_conflict": {"enum": list(ISH_CONFLICT_OPTIONS)},
    }
