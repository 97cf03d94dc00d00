"""The endpoints of a pull, one function per step, each answer validated before it is used.

Steps 1 to 15 of :mod:`her2cohort.source.api`; :func:`her2cohort.source.api.pull.run_pull` calls
them in that order. A failed check drops the offending response from the cache and raises
:class:`ApiError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from her2cohort.source.api.frames import missing_symbols
from her2cohort.source.api.profiles import (
    pick_profiles,
    pick_sample_list,
)
from her2cohort.source.api.spec import ApiError, ApiResponse
from her2cohort.source.api.steps import Pull, Records
from her2cohort.source.api.validate import (
    clinical_key,
    expect_list,
    expect_object,
    mutation_key,
    require_fields,
    require_members,
    require_total,
    require_unique,
)

#: query parameter for "everything in one page" on list endpoints (cBioPortal's MAX_PAGE_SIZE)
LIST_PAGE_SIZE = 10_000_000
CNA_EVENT_TYPE = "HOMDEL_AND_AMP"
DETAILED = {"projection": "DETAILED"}


class Cases(NamedTuple):
    """The study's samples and sample lists.

    Attributes
    ----------
    lists : list of dict
        Sample list records (DETAILED projection, with their ``sampleIds``).
    members : dict of str to set of str
        Sample list id -> the sample ids it names (all of them samples of the study).
    sample_ids : list of str
        The study's samples, in the API's order.
    patient_of : dict of str to str
        Sample id -> patient id.
    """

    lists: list[dict[str, Any]]
    members: dict[str, set[str]]
    sample_ids: list[str]
    patient_of: dict[str, str]


class SampleScope(NamedTuple):
    """The samples a molecular-data request asks for.

    Attributes
    ----------
    list_id : str or None
        The sample list covering the profile, if the study has one.
    body : dict
        The request body: ``sampleListId`` when there is a list, otherwise ``sampleIds``.
    allowed : set of str
        The samples an answer may name.
    ordered : list of str
        The same samples in the study's order (to split a query by samples).
    """

    list_id: str | None
    body: dict[str, Any]
    allowed: set[str]
    ordered: list[str]


class Part(NamedTuple):
    """One answer of a query that may be split: its rows and the samples they may name.

    Attributes
    ----------
    resp : ApiResponse
        The response (dropped from the cache if a check fails).
    rows : list of dict
        Its rows.
    allowed : set of str
        The samples asked for.
    asked : str
        How to name them in an error message.
    """

    resp: ApiResponse
    rows: list[dict[str, Any]]
    allowed: set[str]
    asked: str


class PanelRecords(NamedTuple):
    """Gene panel data of the chosen profiles and the definitions of the panels in use.

    Attributes
    ----------
    data : list of dict
        One record per (sample, profile): ``profiled`` and ``genePanelId``.
    panels : list of dict
        Panel definitions with their genes.
    unknown : list of str
        Panels in use whose definition the portal did not return.
    """

    data: list[dict[str, Any]]
    panels: list[dict[str, Any]]
    unknown: list[str]


def _base(pull: Pull) -> str:
    return f"/studies/{pull.study_id}"


def _study_list(
    pull: Pull, what: str, endpoint: str, fields: Sequence[str], **params: str
) -> Records:
    """``GET /studies/{id}/<endpoint>``, everything in one page, each record with `fields`."""
    return pull.records(
        what,
        "GET",
        f"{_base(pull)}/{endpoint}",
        {**params, "pageSize": LIST_PAGE_SIZE},
        fields=fields,
    )


def fetch_study_record(pull: Pull) -> dict[str, Any]:
    resp = pull.call("study", "GET", _base(pull))
    study = expect_object(resp)
    pull.validated(resp, partial(require_fields, resp, [study], ["studyId"]))
    if study["studyId"] != pull.study_id:
        pull.reject(resp, f"answered for study {study['studyId']!r}")
    return study


def fetch_profiles(pull: Pull) -> dict[str, str]:
    """Canonical kind -> the molecular profile id chosen for it."""
    profiles = _study_list(
        pull,
        "molecular profiles",
        "molecular-profiles",
        ["molecularProfileId", "molecularAlterationType"],
    ).rows
    return pick_profiles(profiles, pull.study_id)


def fetch_cases(pull: Pull) -> Cases:
    """Sample lists, then samples; every list must name only samples of the study."""
    lists_resp, lists = _study_list(
        pull, "sample lists", "sample-lists", ["sampleListId"], projection="DETAILED"
    )
    members = {str(sl["sampleListId"]): {str(s) for s in sl.get("sampleIds") or []} for sl in lists}
    samples = _study_list(pull, "samples", "samples", ["sampleId", "patientId"]).rows
    sample_ids = [str(s["sampleId"]) for s in samples]
    study_samples = set(sample_ids)
    patient_of = {str(s["sampleId"]): str(s["patientId"]) for s in samples}
    for list_id, ids in members.items():
        if not ids <= study_samples:
            pull.reject(
                lists_resp,
                f"sample list {list_id} names {len(ids - study_samples)} sample(s) the study lacks",
            )
    return Cases(lists, members, sample_ids, patient_of)


def fetch_attributes(pull: Pull) -> list[dict[str, Any]]:
    return _study_list(
        pull, "clinical attributes", "clinical-attributes", ["clinicalAttributeId"]
    ).rows


def fetch_clinical(pull: Pull, cases: Cases) -> dict[str, list[dict[str, Any]]]:
    """Clinical data records by level, ``SAMPLE`` then ``PATIENT``, each proven complete.

    One page is the whole table (:meth:`Pull.one_page`). If that page is full, the table is
    bigger than a page and later pages would not be in a stable order (v7 sorts by a non-unique
    internal id, v5/v6 not at all), so the rows come instead from the unpaged
    ``POST /studies/{id}/clinical-data/fetch`` for every sample (patient) id, checked against the
    ``projection=META`` count. Either way a repeated (entity, attribute) row is an error.
    """
    clinical: dict[str, list[dict[str, Any]]] = {}
    path = f"{_base(pull)}/clinical-data"
    study_samples = set(cases.sample_ids)
    for level, entity in (("SAMPLE", "sampleId"), ("PATIENT", "patientId")):
        what = f"clinical data ({level.lower()})"
        params = {"clinicalDataType": level}
        first = pull.one_page(what, "GET", path, params)
        responses, rows, total = [first.resp], first.rows, None
        if not pull.fits(rows):
            total = pull.meta_count(what, "GET", path, params, None)
            if total is not None and len(rows) < total:
                known = cases.sample_ids if level == "SAMPLE" else cases.patient_of.values()
                ids = list(dict.fromkeys([*known, *(str(r.get(entity)) for r in rows)]))
                resp = pull.call(what + " by id", "POST", path + "/fetch", params, {"ids": ids})
                responses, rows = [resp], expect_list(resp)
        last = responses[-1]
        pull.validated(
            last, partial(require_fields, last, rows, [entity, "clinicalAttributeId", "value"])
        )
        if level == "SAMPLE":
            pull.validated(last, partial(require_members, last, rows, study_samples, "the study"))
        pull.validated(last, partial(require_unique, last.endpoint, rows, clinical_key(entity)))
        pull.validated(last, partial(require_total, last.endpoint, total, len(rows)))
        clinical[level] = rows
    return clinical


def sample_scope(cases: Cases, study_id: str, kind: str, endpoint: str) -> SampleScope | None:
    """sampleListId XOR sampleIds: the covering sample list when there is one, else every id.

    None when there is nothing to ask for (no list and no samples: the portal answers an empty
    ``sampleIds`` with 400).

    Raises
    ------
    ApiError
        If the list is not one of the study's lists: for an unknown ``sampleListId`` the portal
        answers 200 with no rows (``total-count: 0``), not 404, so a wrong id would silently
        yield no calls.
    """
    list_id = pick_sample_list(cases.lists, study_id, kind)
    if list_id is not None:
        if list_id not in cases.members:
            raise ApiError(
                endpoint,
                f"sample list {list_id} is not one of the study's sample lists "
                f"({', '.join(sorted(cases.members)) or 'none'}); the portal would answer "
                "an unknown list with no rows",
            )
        members = cases.members[list_id]
        ordered = [s for s in cases.sample_ids if s in members]
        return SampleScope(list_id, {"sampleListId": list_id}, members, ordered)
    if not cases.sample_ids:
        return None
    ids = list(cases.sample_ids)
    return SampleScope(None, {"sampleIds": ids}, set(ids), ids)


def fetch_mutations(pull: Pull, profile: str, cases: Cases) -> list[dict[str, Any]]:
    """Mutations of the profile's sample list, proven complete and duplicate-free.

    ``projection=META`` gives ``total-count``; one DETAILED page normally holds every row. A
    full page means the rows do not fit in one page, and later pages would not be in a stable
    order (v7 sorts a sampleListId query only by profile, sample and gene; v5/v6 not at all),
    so the query is split by samples (``sampleIds``) into parts that each come back shorter
    than a page (:func:`_mutations_by_sample`). The rows must then be unique by
    :func:`~her2cohort.source.api.validate.mutation_key` and as many as ``total-count``.
    """
    path = f"/molecular-profiles/{profile}/mutations/fetch"
    scope = sample_scope(cases, pull.study_id, "mutations", f"POST {path}")
    if scope is None:
        return []
    total = pull.meta_count("mutations", "POST", path, {}, scope.body)
    first = pull.one_page("mutations", "POST", path, DETAILED, scope.body)
    parts = [Part(first.resp, first.rows, scope.allowed, f"sample list {scope.list_id}")]
    if not pull.fits(first.rows) and total is not None and len(first.rows) < total:
        parts = _mutations_by_sample(pull, path, scope.ordered, total)
    rows: list[dict[str, Any]] = []
    for resp, batch, allowed, asked in parts:
        pull.validated(resp, partial(require_fields, resp, batch, ["sampleId", "entrezGeneId"]))
        pull.validated(resp, partial(require_members, resp, batch, allowed, asked))
        rows.extend(batch)
    responses = [part.resp for part in parts]
    endpoint = f"POST {path}"
    pull.validated_all(responses, partial(require_unique, endpoint, rows, mutation_key))
    pull.validated_all(responses, partial(require_total, endpoint, total, len(rows)))
    return rows


def _mutations_by_sample(pull: Pull, path: str, samples: Sequence[str], total: int) -> list[Part]:
    """The mutations of `samples` in parts, each answered in less than one page.

    Parts start at about half a page of rows (from the mean rows per sample) and a part whose
    answer fills the page is halved; a single sample filling a page cannot be split further.
    """
    per_part = max(1, (pull.page_size * len(samples)) // (2 * max(total, 1)))
    todo = [list(samples[i : i + per_part]) for i in range(0, len(samples), per_part)]
    todo.reverse()
    parts = []
    while todo:
        part = todo.pop()
        what = f"mutations of {len(part)} sample(s) from {part[0]}"
        answer = pull.one_page(what, "POST", path, DETAILED, {"sampleIds": part})
        if pull.fits(answer.rows):
            parts.append(Part(answer.resp, answer.rows, set(part), "the samples asked for"))
        elif len(part) == 1:
            raise ApiError(
                answer.resp.endpoint,
                f"HTTP {answer.resp.status}: sample {part[0]} alone fills a page of "
                f"{pull.page_size} rows; use a larger page size",
                answer.resp.status,
            )
        else:
            half = len(part) // 2
            todo += [part[half:], part[:half]]
    return parts


def fetch_cna(pull: Pull, profile: str, cases: Cases) -> list[dict[str, Any]]:
    path = f"/molecular-profiles/{profile}/discrete-copy-number/fetch"
    scope = sample_scope(cases, pull.study_id, "cna", f"POST {path}")
    if scope is None:
        return []
    params = {"discreteCopyNumberEventType": CNA_EVENT_TYPE}
    total = pull.meta_count("discrete CNA", "POST", path, params, scope.body)
    resp = pull.call("discrete CNA", "POST", path, {**params, "projection": "DETAILED"}, scope.body)
    rows = expect_list(resp)
    pull.validated(resp, partial(require_total, resp.endpoint, total, len(rows)))
    pull.validated(
        resp, partial(require_fields, resp, rows, ["sampleId", "entrezGeneId", "alteration"])
    )
    pull.validated(
        resp, partial(require_members, resp, rows, scope.allowed, f"sample list {scope.list_id}")
    )
    return rows


def fetch_svs(pull: Pull, profile: str, study_samples: set[str]) -> list[dict[str, Any]]:
    resp, svs = pull.records(
        "structural variants",
        "POST",
        "/structural-variant/fetch",
        body={"molecularProfileIds": [profile]},
        fields=["sampleId"],
    )
    pull.validated(resp, partial(require_members, resp, svs, study_samples, "the study"))
    return svs


def fetch_panels(pull: Pull, profile_ids: Sequence[str], study_samples: set[str]) -> PanelRecords:
    """Which samples each profile covers, on which panel; then the profiled panels' genes."""
    resp, panel_data = pull.records(
        "gene panel data",
        "POST",
        "/gene-panel-data/fetch",
        body={"molecularProfileIds": sorted(profile_ids)},
        fields=["sampleId", "molecularProfileId", "profiled"],
    )
    pull.validated(resp, partial(require_members, resp, panel_data, study_samples, "the study"))
    panel_ids = sorted(
        {str(r["genePanelId"]) for r in panel_data if r.get("genePanelId") and r.get("profiled")}
    )
    if not panel_ids:
        return PanelRecords(panel_data, [], [])
    panels = pull.records(
        "gene panels",
        "POST",
        "/gene-panels/fetch",
        {"projection": "DETAILED"},
        panel_ids,
        fields=["genePanelId"],
    ).rows
    unknown = sorted(set(panel_ids) - {str(p["genePanelId"]) for p in panels})
    return PanelRecords(panel_data, panels, unknown)


def fetch_missing_symbols(pull: Pull, records: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """One /genes/fetch for records that came without a gene symbol (normally none)."""
    wanted = missing_symbols(records)
    if not wanted:
        return {}
    genes = pull.records(
        "genes",
        "POST",
        "/genes/fetch",
        {"geneIdType": "ENTREZ_GENE_ID"},
        [str(e) for e in wanted],
        fields=["entrezGeneId", "hugoGeneSymbol"],
    ).rows
    return {int(g["entrezGeneId"]): str(g["hugoGeneSymbol"]) for g in genes}
