"""Complete, duplicate-free pulls when a table does not fit in one page of a real portal.

A real portal pages mutations (sampleListId query) and study clinical data in an order that is
not unique (v7: by profile, sample and gene / by internal id; v5/v6: no ORDER BY), so rows tied on
the sort key can repeat or vanish across pages. The local server reproduces that
(``tie_order="shuffled"`` / ``"unordered"``) on a synthetic study with many tied rows; the client
never pages through it: one page is the whole table, and a table bigger than a page is split
into queries that each fit in one page (mutations by samples, clinical data through the unpaged
fetch), then checked against ``total-count`` with one key per row.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from test_api_client import (
    FAST,
    IDENTITY_COLUMNS,
    PORTAL_COMPUTED_ATTRIBUTES,
    importer_missing_to_na,
    sort_frame,
    without_portal_computed,
)

from cbioportal_server import (
    MAX_MUTATIONS_PER_SAMPLE,
    Fault,
    serve_study,
    write_synthetic_study,
    write_tiny_study,
)
from her2cohort.source.api import (
    DEFAULT_PAGE_SIZE,
    LIST_PAGE_SIZE,
    ApiError,
    clinical_key,
    fetch_study,
    mutation_key,
)
from her2cohort.source.folder import read_study_folder
from her2cohort.source.tables import StudyTables

SYNTH = "synth_study"
#: longer than any one sample's mutations, far shorter than every paged table
PAGE = MAX_MUTATIONS_PER_SAMPLE + 2
SHUFFLING = ["shuffled", "unordered"]
#: page size of the naive pager: many page boundaries, most of them inside a group of tied rows
NAIVE_PAGE = 3


@pytest.fixture(scope="module")
def synth_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_study(tmp_path_factory.mktemp("studies"), SYNTH)


@pytest.fixture(scope="module")
def synth_tables(synth_folder: Path) -> StudyTables:
    return read_study_folder(synth_folder)


def assert_api_equals_folder(api: StudyTables, folder: StudyTables) -> None:
    """Every table equal, up to the named differences the synthetic study has."""
    pairs = {
        "samples": (
            without_portal_computed(api.samples),
            importer_missing_to_na(folder.samples),
            ["SAMPLE_ID"],
        ),
        "patients": (
            without_portal_computed(api.patients),
            importer_missing_to_na(folder.patients),
            ["PATIENT_ID"],
        ),
        "attributes": (
            api.attributes[~api.attributes["attribute_id"].isin(PORTAL_COMPUTED_ATTRIBUTES)],
            folder.attributes[~folder.attributes["attribute_id"].isin(IDENTITY_COLUMNS)],
            ["attribute_id", "level"],
        ),
        "mutations": (api.mutations, folder.mutations, list(api.mutations.columns)),
        "cna": (
            api.cna.astype({"sample_id": "string", "gene": "string"}),
            folder.cna.astype({"sample_id": "string", "gene": "string"}),
            ["sample_id", "gene"],
        ),
        "sv": (
            api.sv.drop(columns="origin"),
            folder.sv.drop(columns="origin"),
            ["sample_id", "site1_gene", "site2_gene"],
        ),
        "profiles": (api.profiles, folder.profiles, ["sample_id", "profile"]),
        "gene_panels": (api.gene_panels, folder.gene_panels, ["panel_id", "gene"]),
        "case_lists": (api.case_lists, folder.case_lists, ["case_list_id", "sample_id"]),
    }
    for name, (a, b, keys) in pairs.items():
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(
            sort_frame(a, keys), sort_frame(b.astype(a.dtypes.to_dict()), keys), obj=name
        )


def page_through(url: str, method: str, path: str, body: Any, page_size: int, **params: Any):
    """What a naive client does: pages 0, 1, ... until a short page."""
    rows: list[dict] = []
    for number in range(10_000):
        query = {**params, "pageSize": page_size, "pageNumber": number}
        resp = requests.request(method, url + path, params=query, json=body, timeout=10)
        resp.raise_for_status()
        rows += resp.json()
        if len(resp.json()) < page_size:
            return rows
    raise AssertionError("no last page")


@pytest.mark.parametrize("tie_order", SHUFFLING)
def test_paging_through_a_shuffling_portal_repeats_and_loses_rows(synth_folder, tie_order) -> None:
    """The local server reproduces the real order: a naive multi-page pull is wrong."""
    with serve_study(synth_folder, tie_order=tie_order) as (url, _):
        mut = page_through(
            url,
            "POST",
            f"/molecular-profiles/{SYNTH}_mutations/mutations/fetch",
            {"sampleListId": f"{SYNTH}_sequenced"},
            NAIVE_PAGE,
            projection="DETAILED",
        )
        clin = page_through(
            url,
            "GET",
            f"/studies/{SYNTH}/clinical-data",
            None,
            NAIVE_PAGE,
            clinicalDataType="SAMPLE",
        )
        whole = requests.get(
            f"{url}/studies/{SYNTH}/clinical-data",
            params={"clinicalDataType": "SAMPLE"},
            timeout=10,
        ).json()
    for rows, key, total in (
        (mut, mutation_key, 51),
        (clin, clinical_key("sampleId"), len(whole)),
    ):
        counts = Counter(map(key, rows))
        assert len(rows) == total  # the page sizes add up ...
        assert max(counts.values()) > 1  # ... but some rows came twice
        assert len(counts) < total  # and as many others never came


def test_a_stable_portal_pages_without_repeats(synth_folder) -> None:
    with serve_study(synth_folder) as (url, _):
        path = f"/molecular-profiles/{SYNTH}_mutations/mutations/fetch"
        rows = page_through(url, "POST", path, {"sampleListId": f"{SYNTH}_sequenced"}, PAGE)
    assert len(set(map(mutation_key, rows))) == len(rows) == 51


@pytest.mark.parametrize("tie_order", SHUFFLING)
def test_a_pull_bigger_than_a_page_equals_the_folder(
    synth_folder, synth_tables, tmp_path, tie_order
) -> None:
    """Acceptance: more than one page per endpoint, tied rows shuffled per request."""
    with serve_study(synth_folder, tie_order=tie_order) as (url, state):
        api = fetch_study(SYNTH, url, tmp_path, page_size=PAGE, **FAST)
    assert_api_equals_folder(api, synth_tables)
    # each paged table was bigger than a page, and no page but page 0 was ever asked for
    assert state.count("mutations/fetch") > 2
    assert state.count(r"/clinical-data/fetch$", "POST") == 2
    paged = [r for r in state.requests if r.path.endswith(("/mutations/fetch", "/clinical-data"))]
    assert all(r.query.get("pageNumber", ["0"]) == ["0"] for r in paged)
    assert any("SV profiling taken from the mutation profile's panels" in n for n in api.notes)


def test_one_page_is_the_default_and_holds_every_table(synth_folder, synth_tables, tmp_path):
    assert DEFAULT_PAGE_SIZE == LIST_PAGE_SIZE == 10_000_000
    with serve_study(synth_folder, tie_order="shuffled") as (url, state):
        api = fetch_study(SYNTH, url, tmp_path, **FAST)
    assert_api_equals_folder(api, synth_tables)
    sizes = {
        (r.method, r.path): r.query["pageSize"] for r in state.requests if "pageSize" in r.query
    }
    assert sizes[("GET", f"/api/studies/{SYNTH}/clinical-data")] == ["10000000"]
    assert sizes[("POST", f"/api/molecular-profiles/{SYNTH}_mutations/mutations/fetch")] == [
        "10000000"
    ]
    assert state.total == len(api.inputs) == 14


MUTATIONS = f"POST /molecular-profiles/{SYNTH}_mutations/mutations/fetch"
REPEATS = [
    (LIST_PAGE_SIZE, r"/mutations/fetch$", MUTATIONS),
    (LIST_PAGE_SIZE, r"/clinical-data$", f"GET /studies/{SYNTH}/clinical-data"),
    (PAGE, r"/mutations/fetch$", MUTATIONS),  # every part of the split query
    (PAGE, r"/clinical-data/fetch$", f"POST /studies/{SYNTH}/clinical-data/fetch"),
]


@pytest.mark.parametrize(
    ("page_size", "path", "endpoint"),
    REPEATS,
    ids=["one-page-mutations", "one-page-clinical", "split-mutations", "split-clinical"],
)
def test_a_repeated_row_is_an_error_naming_the_endpoint(
    synth_folder, tmp_path, page_size, path, endpoint
) -> None:
    """A row twice in place of another: the count still matches, the key check does not."""
    with serve_study(synth_folder) as (url, state):
        state.add_fault(Fault(path, "duplicate_row", times=None))
        with pytest.raises(ApiError) as info:
            fetch_study(SYNTH, url, tmp_path, page_size=page_size, **FAST)
        message = str(info.value)
        assert re.match(re.escape(endpoint) + r": HTTP 200 but \d+ duplicate row\(s\)", message)
        assert "\n" not in message
        state.clear_faults()
        fetch_study(SYNTH, url, tmp_path, page_size=page_size, **FAST)  # nothing bad was cached


def test_lost_rows_are_an_error_naming_the_endpoint(synth_folder, tmp_path) -> None:
    with serve_study(synth_folder) as (url, state):
        state.add_fault(Fault(r"/mutations/fetch$", "short_page", times=None, drop=1))
        with pytest.raises(ApiError) as info:
            fetch_study(SYNTH, url, tmp_path, page_size=PAGE, **FAST)
    assert str(info.value).startswith(
        f"POST /molecular-profiles/{SYNTH}_mutations/mutations/fetch: HTTP 200 but received"
    )


def test_a_sample_filling_a_page_alone_is_an_error(tmp_path) -> None:
    folder = write_tiny_study(tmp_path / "s", "tiny_study")
    with serve_study(folder) as (url, _):
        with pytest.raises(ApiError) as info:
            fetch_study("tiny_study", url, tmp_path / "c", page_size=2, **FAST)
    assert str(info.value) == (
        "POST /molecular-profiles/tiny_study_mutations/mutations/fetch: HTTP 200: sample P1-T1 "
        "alone fills a page of 2 rows; use a larger page size"
    )


@pytest.mark.parametrize("page_size", [0, LIST_PAGE_SIZE + 1])
def test_page_size_outside_the_portals_range_is_refused(tmp_path, page_size) -> None:
    with pytest.raises(ValueError, match="page_size must be between 1 and 10000000"):
        fetch_study(SYNTH, "http://127.0.0.1:9/api", tmp_path, page_size=page_size)
