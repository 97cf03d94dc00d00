"""Model terms in words: variables, units and a model named by what it adjusts for (the Cox
forests and their captions never show a configuration or column name)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: model variables in words (lower case; a heading capitalises the first letter)
VARIABLE_LABELS: Mapping[str, str] = {
    "age": "age at diagnosis",
    "hr_status": "HR status",
    "primary_hr_status": "primary HR status",
    "er_status": "ER status",
    "primary_er_status": "primary ER status",
    "pr_status": "PR status",
    "primary_pr_status": "primary PR status",
    "her2_status": "clinical HER2 status",
    "primary_her2_status": "primary clinical HER2 status",
    "her2_ihc_status": "HER2 IHC status",
    "primary_her2_ihc_status": "primary HER2 IHC status",
    "her2_cn_status": "HER2 copy-number status",
    "subtype": "intrinsic subtype",
    "stage": "stage at diagnosis",
}
#: the unit a numeric covariate's hazard ratio is per
NUMERIC_UNITS: Mapping[str, str] = {"age": "per year"}
_TOKENS = {"hr": "HR", "er": "ER", "pr": "PR", "her2": "HER2", "ihc": "IHC", "ish": "ISH"}


def variable_label(var: str) -> str:
    """A model variable in words, lower case: ``primary_hr_status`` -> ``primary HR status``."""
    if var in VARIABLE_LABELS:
        return VARIABLE_LABELS[var]
    return " ".join(_TOKENS.get(w.lower(), w) for w in var.split("_") if w)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_words(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def model_label(terms: Sequence[str]) -> str:
    """A model named by what it adjusts for (the group is every model's subject)."""
    covs = [variable_label(t) for t in terms if t != "group"]
    if "group" not in terms:
        return f"{cap(join_words(covs))} only" if covs else "No term"
    return f"Adjusted for {join_words(covs)}" if covs else "Unadjusted"
