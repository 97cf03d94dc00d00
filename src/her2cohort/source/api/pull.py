"""Pull one study: the steps of :mod:`her2cohort.source.api.endpoints` in order, then the tables."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import requests

from her2cohort.source.api.client import DEFAULT_TIMEOUT, TOKEN_ENV, CBioPortalClient
from her2cohort.source.api.endpoints import (
    CNA_EVENT_TYPE,
    LIST_PAGE_SIZE,
    PanelRecords,
    fetch_attributes,
    fetch_cases,
    fetch_clinical,
    fetch_cna,
    fetch_missing_symbols,
    fetch_mutations,
    fetch_panels,
    fetch_profiles,
    fetch_study_record,
    fetch_svs,
)
from her2cohort.source.api.frames import (
    attributes_frame,
    case_lists_frame,
    clinical_frame,
    cna_frame,
    gene_panels_frame,
    mutations_frame,
    profiles_frame,
    study_meta,
    sv_frame,
    sv_panel_data,
)
from her2cohort.source.api.steps import Pull
from her2cohort.source.progress import Progress, reporter
from her2cohort.source.tables import StudyTables, missing_panels_note

#: one logger for the whole API source (its name predates the split into modules)
log = logging.getLogger("her2cohort.source.api")

#: rows asked for per page: the portal's maximum, so that every paged table comes in one page
DEFAULT_PAGE_SIZE = LIST_PAGE_SIZE
#: attributes the portal computes at import time (not in the study's files)
DERIVED_ATTRIBUTES = ("SAMPLE_COUNT", "MUTATION_COUNT", "FRACTION_GENOME_ALTERED")
CNA_NOTE = (
    "cna from the API: only deep deletions and amplifications (HOMDEL_AND_AMP); "
    "-1.5 (partial deletion) is served as -2 and shallow -1/+1 calls are not fetched"
)


def fetch_study(
    study_id: str,
    base_url: str,
    cache_dir: str | Path,
    *,
    token: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    max_attempts: int = 5,
    backoff: float = 1.0,
    progress: Progress = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    session: requests.Session | None = None,
) -> StudyTables:
    """Pull `study_id` from the cBioPortal API at `base_url` into canonical tables.

    `token` defaults to the CBIOPORTAL_TOKEN environment variable. `backoff` is the first retry
    delay in seconds (doubling per attempt) unless the server sends Retry-After.
    """
    if not 1 <= page_size <= LIST_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {LIST_PAGE_SIZE}, not {page_size}")
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
    report = reporter(log, progress)
    with CBioPortalClient(
        base_url,
        cache_dir,
        token=token,
        timeout=timeout,
        max_attempts=max_attempts,
        backoff=backoff,
        session=session,
    ) as client:
        pull = Pull(client, study_id, report, page_size)
        tables = run_pull(pull)
    report(
        f"{study_id}: done, {len(pull.inputs)} requests ({client.requests_sent} sent to the server)"
    )
    return tables


def run_pull(pull: Pull) -> StudyTables:
    """Every request of a pull in the documented order; the answers as canonical tables."""
    notes: list[str] = []
    study = fetch_study_record(pull)
    chosen = fetch_profiles(pull)
    cases = fetch_cases(pull)
    study_samples = set(cases.sample_ids)
    attrs = fetch_attributes(pull)
    clinical = fetch_clinical(pull, cases)

    mutations: list[dict[str, Any]] = []
    if "mutations" in chosen:
        mutations = fetch_mutations(pull, chosen["mutations"], cases)
    cna: list[dict[str, Any]] = []
    if "cna" in chosen:
        cna = fetch_cna(pull, chosen["cna"], cases)
        notes.append(CNA_NOTE)
    svs: list[dict[str, Any]] = []
    if "structural_variants" in chosen:
        svs = fetch_svs(pull, chosen["structural_variants"], study_samples)
    panels = PanelRecords([], [], [])
    if chosen:
        panels = fetch_panels(pull, list(chosen.values()), study_samples)
        if panels.unknown:
            notes.append(missing_panels_note(panels.unknown))
    panel_data, sv_note = sv_panel_data(
        panels.data, chosen, svs, cases.lists, cases.sample_ids, pull.study_id
    )
    if sv_note:
        notes.append(sv_note)
    symbols = fetch_missing_symbols(pull, [*mutations, *cna])

    derived = sorted({str(a["clinicalAttributeId"]) for a in attrs} & set(DERIVED_ATTRIBUTES))
    if derived:
        notes.append(
            "attributes computed by the portal (not in the study files): " + ", ".join(derived)
        )

    sample_attr_ids = [
        str(a["clinicalAttributeId"]) for a in attrs if not a.get("patientAttribute")
    ]
    patient_attr_ids = [str(a["clinicalAttributeId"]) for a in attrs if a.get("patientAttribute")]
    patient_ids = list(
        dict.fromkeys(
            [*cases.patient_of.values(), *(str(r["patientId"]) for r in clinical["PATIENT"])]
        )
    )
    kind_of = {pid: kind for kind, pid in chosen.items()}
    return StudyTables(
        study_id=pull.study_id,
        source="api",
        samples=clinical_frame(
            "SAMPLE_ID",
            cases.sample_ids,
            clinical["SAMPLE"],
            sample_attr_ids,
            {s: {"PATIENT_ID": p} for s, p in cases.patient_of.items()},
        ),
        patients=clinical_frame("PATIENT_ID", patient_ids, clinical["PATIENT"], patient_attr_ids),
        attributes=attributes_frame(attrs),
        mutations=mutations_frame(mutations, symbols),
        cna=cna_frame(cna, symbols),
        sv=sv_frame(svs),
        profiles=profiles_frame(panel_data, kind_of),
        gene_panels=gene_panels_frame(panels.panels),
        case_lists=case_lists_frame(cases.lists),
        meta={
            **study_meta(study, pull.client.base_url),
            "molecular_profiles": chosen,
            "cna_event_type": CNA_EVENT_TYPE if "cna" in chosen else None,
        },
        inputs=pull.inputs,
        notes=notes,
    )
