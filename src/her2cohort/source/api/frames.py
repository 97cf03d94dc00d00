"""API records -> canonical tables: pure functions, one per table, no requests made here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from her2cohort.source.api.spec import redact_url
from her2cohort.source.tables import (
    ATTRIBUTE_COLUMNS,
    CASE_LIST_COLUMNS,
    CNA_COLUMNS,
    MUTATION_COLUMNS,
    PANEL_COLUMNS,
    PROFILE_COLUMNS,
    SV_COLUMNS,
    empty,
)


def case_lists_frame(lists: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        (sl["sampleListId"], sl.get("category"), sid)
        for sl in lists
        for sid in sl.get("sampleIds") or []
    ]
    if not rows:
        return empty(CASE_LIST_COLUMNS)
    return pd.DataFrame(rows, columns=CASE_LIST_COLUMNS).astype("string")


def attributes_frame(attrs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "attribute_id": a["clinicalAttributeId"],
            "level": "patient" if a.get("patientAttribute") else "sample",
            "display_name": a.get("displayName"),
            "description": a.get("description"),
            "datatype": a.get("datatype"),
            "priority": None if a.get("priority") is None else str(a["priority"]),
        }
        for a in attrs
    ]
    if not rows:
        return empty(ATTRIBUTE_COLUMNS)
    return pd.DataFrame(rows, columns=ATTRIBUTE_COLUMNS).astype("string")


def clinical_frame(
    key: str,
    ids: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    attribute_ids: Sequence[str],
    fixed: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Long clinical records -> one row per entity, one string column per attribute.

    `key` is SAMPLE_ID or PATIENT_ID; `fixed` adds identity columns (e.g. PATIENT_ID of a sample).
    """
    entity_field = "sampleId" if key == "SAMPLE_ID" else "patientId"
    values: dict[str, dict[str, str]] = {i: {} for i in ids}
    for rec in records:
        values.setdefault(str(rec[entity_field]), {})[str(rec["clinicalAttributeId"])] = str(
            rec["value"]
        )
    extra_attrs = sorted({a for v in values.values() for a in v} - set(attribute_ids))
    fixed_cols = sorted({c for f in (fixed or {}).values() for c in f})
    columns = [
        key,
        *fixed_cols,
        *[a for a in [*attribute_ids, *extra_attrs] if a not in (key, *fixed_cols)],
    ]
    rows = []
    for entity, attrs in values.items():
        row = {key: entity, **(fixed or {}).get(entity, {}), **attrs}
        rows.append([row.get(c) for c in columns])
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype("string")


def gene_symbol(rec: Mapping[str, Any], symbols: Mapping[int, str]) -> str | None:
    gene = rec.get("gene")
    if isinstance(gene, Mapping) and gene.get("hugoGeneSymbol"):
        return str(gene["hugoGeneSymbol"])
    entrez = rec.get("entrezGeneId")
    return symbols.get(int(entrez)) if entrez is not None else None


def missing_symbols(records: Iterable[Mapping[str, Any]]) -> list[int]:
    """Entrez ids of records without a nested gene symbol (SUMMARY projection)."""
    out = set()
    for rec in records:
        gene = rec.get("gene")
        if (
            not (isinstance(gene, Mapping) and gene.get("hugoGeneSymbol"))
            and rec.get("entrezGeneId") is not None
        ):
            out.add(int(rec["entrezGeneId"]))
    return sorted(out)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def mutations_frame(
    records: Sequence[Mapping[str, Any]], symbols: Mapping[int, str]
) -> pd.DataFrame:
    rows = [
        {
            "sample_id": r["sampleId"],
            "gene": gene_symbol(r, symbols),
            "entrez_gene_id": _str_or_none(r.get("entrezGeneId")),
            "variant_classification": r.get("mutationType"),
            "variant_type": r.get("variantType"),
            "chromosome": _str_or_none(r.get("chr")),
            "start_position": _str_or_none(r.get("startPosition")),
            "end_position": _str_or_none(r.get("endPosition")),
            "reference_allele": r.get("referenceAllele"),
            "tumor_seq_allele2": r.get("variantAllele"),
            "protein_change": _strip_p(r.get("proteinChange")),
            "mutation_status": r.get("mutationStatus"),
        }
        for r in records
    ]
    if not rows:
        return empty(MUTATION_COLUMNS)
    return pd.DataFrame(rows, columns=MUTATION_COLUMNS).astype("string")


def _strip_p(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text[2:] if text.startswith("p.") else text


def cna_frame(records: Sequence[Mapping[str, Any]], symbols: Mapping[int, str]) -> pd.DataFrame:
    rows = [
        (r["sampleId"], gene_symbol(r, symbols), float(r["alteration"]))
        for r in records
        if float(r["alteration"]) != 0
    ]
    if not rows:
        out = empty(CNA_COLUMNS)
        out["value"] = out["value"].astype("float64")
        return out
    frame = pd.DataFrame(rows, columns=CNA_COLUMNS)
    frame["sample_id"] = frame["sample_id"].astype("string")
    frame["gene"] = frame["gene"].astype("string")
    return frame


def sv_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        (
            r["sampleId"],
            r.get("site1HugoSymbol"),
            r.get("site2HugoSymbol"),
            r.get("eventInfo"),
            "api",
        )
        for r in records
    ]
    if not rows:
        return empty(SV_COLUMNS)
    return pd.DataFrame(rows, columns=SV_COLUMNS).astype("string")


#: (sample list id suffix, category) of the samples profiled for structural variants
SV_SAMPLE_LIST = ("_sv", "all_cases_with_sv_data")


def sv_panel_data(
    panel_data: Sequence[Mapping[str, Any]],
    chosen: Mapping[str, str],
    svs: Sequence[Mapping[str, Any]],
    lists: Sequence[Mapping[str, Any]],
    sample_ids: Sequence[str],
    study_id: str,
) -> tuple[list[dict[str, Any]], str | None]:
    """Gene panel data with the SV profile's rows replaced when they only mean "has an SV row".

    cBioPortal's importer marks a sample SV-profiled only if it has an SV row (with the meta
    file's ``gene_panel``, if any), unless the gene panel matrix has a column for the SV
    profile. When the samples marked profiled are exactly those with SVs, "not profiled" says
    nothing about the assay, and reading it as such would turn every sample without a fusion
    into "not profiled" instead of unaltered. The SV coverage is then taken the way the folder
    reader takes it from the files: the mutation profile's panel assignments (fusions called
    from the same targeted assay) if it has any, else the study's ``_sv`` sample list, else
    every sample (whole genome / exome).

    Returns
    -------
    tuple of (list of dict, str or None)
        The gene panel data to use and a note saying where SV coverage came from, or the
        records unchanged and None when the portal's SV rows carry information.
    """
    rows = [dict(r) for r in panel_data]
    sv = chosen.get("structural_variants")
    if sv is None:
        return rows, None
    marked = {str(r["sampleId"]) for r in rows if r["molecularProfileId"] == sv and r["profiled"]}
    if marked != {str(r["sampleId"]) for r in svs}:
        return rows, None
    mutation = chosen.get("mutations")
    on_panels = [
        r
        for r in rows
        if r["molecularProfileId"] == mutation and r.get("profiled") and r.get("genePanelId")
    ]
    suffix, category = SV_SAMPLE_LIST
    sv_list = next(
        (
            sl
            for sl in lists
            if sl["sampleListId"] == study_id + suffix or sl.get("category") == category
        ),
        None,
    )
    if on_panels:
        covered = [{**r, "molecularProfileId": sv} for r in on_panels]
        source = "the mutation profile's panels (same targeted assay)"
    else:
        ids = sv_list.get("sampleIds") or [] if sv_list is not None else sample_ids
        covered = [{"sampleId": s, "molecularProfileId": sv, "profiled": True} for s in ids]
        source = f"sample list {sv_list['sampleListId']}" if sv_list is not None else "every sample"
    kept = [r for r in rows if r["molecularProfileId"] != sv]
    note = (
        f"SV profiling taken from {source}: the portal marks a sample SV-profiled only if it "
        f"has an SV row ({len(marked)} of {len(sample_ids)} samples)"
    )
    return [*kept, *covered], note


def profiles_frame(
    panel_data: Sequence[Mapping[str, Any]], kind_of: Mapping[str, str]
) -> pd.DataFrame:
    """Profiled (sample, kind, panel) rows; a profiled row without genePanelId is whole-genome."""
    rows = [
        (r["sampleId"], kind_of[str(r["molecularProfileId"])], r.get("genePanelId"))
        for r in panel_data
        if r.get("profiled") and str(r.get("molecularProfileId")) in kind_of
    ]
    if not rows:
        return empty(PROFILE_COLUMNS)
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS).astype("string")


def gene_panels_frame(panels: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        (p["genePanelId"], g["hugoGeneSymbol"])
        for p in panels
        for g in p.get("genes") or []
        if g.get("hugoGeneSymbol")
    ]
    if not rows:
        return empty(PANEL_COLUMNS)
    return pd.DataFrame(rows, columns=PANEL_COLUMNS).drop_duplicates().astype("string")


def study_meta(study: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """Study metadata in the folder reader's meta_study.txt keys, plus the API record."""
    scalar = {k: v for k, v in study.items() if not isinstance(v, (dict, list))}
    mapped = {
        "cancer_study_identifier": study.get("studyId"),
        "type_of_cancer": study.get("cancerTypeId"),
        "name": study.get("name"),
        "description": study.get("description"),
        "citation": study.get("citation"),
        "pmid": study.get("pmid"),
        "reference_genome": study.get("referenceGenome"),
        "import_date": study.get("importDate"),
    }
    return {
        "base_url": redact_url(base_url),
        **{k: v for k, v in mapped.items() if v is not None},
        "api_study": scalar,
    }
