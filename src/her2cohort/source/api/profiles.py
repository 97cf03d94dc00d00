"""Choosing a study's molecular profiles and sample lists from what the portal lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: (molecularAlterationType, datatype) -> canonical profile kind, in order of preference
PROFILE_TYPES: dict[tuple[str, str], str] = {
    ("MUTATION_EXTENDED", "MAF"): "mutations",
    ("MUTATION_UNCALLED", "MAF"): "mutations",
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
    ("COPY_NUMBER_ALTERATION", "DISCRETE_LONG"): "cna",
    ("STRUCTURAL_VARIANT", "SV"): "structural_variants",
    ("STRUCTURAL_VARIANT", "FUSION"): "structural_variants",
    ("FUSION", "FUSION"): "structural_variants",
}
#: usual profile id suffix of each kind (a tie-breaker when a study has several)
PROFILE_SUFFIX = {
    "mutations": "_mutations",
    "cna": "_cna",
    "structural_variants": "_structural_variants",
}
#: (sample list id suffix, category) that covers the samples profiled for a kind
SAMPLE_LIST_FOR = {
    "mutations": ("_sequenced", "all_cases_with_mutation_data"),
    "cna": ("_cna", "all_cases_with_cna_data"),
}


def pick_profiles(profiles: Sequence[Mapping[str, Any]], study_id: str) -> dict[str, str]:
    """Choose one molecular profile per canonical kind by type, preferring the usual id."""
    order = list(PROFILE_TYPES)
    candidates: dict[str, list[tuple[int, bool, str]]] = {}
    for prof in profiles:
        key = (
            str(prof.get("molecularAlterationType", "")).upper(),
            str(prof.get("datatype", "")).upper(),
        )
        kind = PROFILE_TYPES.get(key)
        if kind is None or prof.get("patientLevel"):
            continue
        pid = str(prof["molecularProfileId"])
        usual = pid == study_id + PROFILE_SUFFIX[kind]
        candidates.setdefault(kind, []).append((order.index(key), not usual, pid))
    return {kind: sorted(options)[0][2] for kind, options in candidates.items()}


def pick_sample_list(lists: Sequence[Mapping[str, Any]], study_id: str, kind: str) -> str | None:
    """The sample list covering a profile: <study>_sequenced / _cna, by category, else _all."""
    suffix, category = SAMPLE_LIST_FOR[kind]
    by_id = {str(sl["sampleListId"]): sl for sl in lists}
    for wanted in (study_id + suffix, study_id + "_all"):
        if wanted in by_id:
            return wanted
    for wanted_cat in (category, "all_cases_in_study"):
        for sl in lists:
            if sl.get("category") == wanted_cat:
                return str(sl["sampleListId"])
    return None
