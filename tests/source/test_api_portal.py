"""The local server behaves as the real backend where a pull could be misled, and the client copes.

* SV "profiled": cBioPortal's importer (ImportStructuralVariantData) marks a sample SV-profiled only
  if it has an SV row, unless the gene panel matrix has a column for the SV profile; the client
  then reads "not profiled" as "no information" and takes SV coverage as the folder reader does.
* An unknown ``sampleListId`` is answered 200 ``[]`` / ``total-count: 0`` (not 404), so the client
  checks the list against the study's lists first; an empty ``sampleIds`` is a 400.
* A 401 from the token filter has an empty body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from test_api_client import FAST, TOKEN, sort_frame

from cbioportal_server import serve_study, write_synthetic_study, write_tiny_study
from her2cohort.source.api import ApiError, fetch_study, sample_scope, sv_panel_data
from her2cohort.source.api.endpoints import Cases
from her2cohort.source.folder import read_study_folder

SYNTH = "synth_study"
TINY = "tiny_study"


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("studies")
    return {
        "tiny": write_tiny_study(root, TINY),
        "synth": write_synthetic_study(root, SYNTH),
        "synth_sv_column": write_synthetic_study(root / "col", SYNTH, sv_panel_column=True),
    }


def post(url: str, path: str, body: Any, **params: Any) -> requests.Response:
    return requests.post(url + path, params=params, json=body, timeout=5)


def sv_rows(url: str, profile: str) -> list[dict[str, Any]]:
    resp = post(url, "/gene-panel-data/fetch", {"molecularProfileIds": [profile]})
    resp.raise_for_status()
    return resp.json()


# --------------------------------------------------------------------------- SV "profiled"


def test_server_marks_sv_profiled_only_samples_with_an_sv_row(studies) -> None:
    with serve_study(studies["synth"]) as (url, _):
        rows = sv_rows(url, f"{SYNTH}_structural_variants")
        svs = post(
            url,
            "/structural-variant/fetch",
            {"molecularProfileIds": [f"{SYNTH}_structural_variants"]},
        ).json()
        sv_list = requests.get(f"{url}/sample-lists/{SYNTH}_sv", timeout=5).json()["sampleIds"]
    profiled = {r["sampleId"] for r in rows if r["profiled"]}
    assert profiled == {r["sampleId"] for r in svs} and len(profiled) == 6
    assert len(sv_list) == 19  # the _sv case list does not make a sample profiled
    assert not any("genePanelId" in r for r in rows)


def test_server_follows_an_sv_column_of_the_panel_matrix(studies) -> None:
    with serve_study(studies["synth_sv_column"]) as (url, _):
        rows = sv_rows(url, f"{SYNTH}_structural_variants")
    profiled = [r for r in rows if r["profiled"]]
    assert len(profiled) == 19 and all(r["genePanelId"].startswith("SYNTH_") for r in profiled)


@pytest.mark.parametrize("study", ["tiny", "synth", "synth_sv_column"])
def test_sv_coverage_of_a_pull_equals_the_folder(studies, tmp_path, study) -> None:
    """Without an SV matrix column the samples with no fusion are unaltered, not 'not profiled'."""
    study_id = TINY if study == "tiny" else SYNTH
    with serve_study(studies[study]) as (url, _):
        api = fetch_study(study_id, url, tmp_path, **FAST)
    folder = read_study_folder(studies[study])
    keys = ["sample_id", "profile"]
    pd.testing.assert_frame_equal(sort_frame(api.profiles, keys), sort_frame(folder.profiles, keys))
    sv_profiled = set(
        api.profiles.loc[api.profiles["profile"] == "structural_variants", "sample_id"]
    )
    assert sv_profiled > set(api.sv["sample_id"])
    notes = [n for n in api.notes if n.startswith("SV profiling")]
    if study == "synth_sv_column":
        assert notes == []  # the portal's flags carry information: used as they are
    else:
        assert notes == [
            "SV profiling taken from the mutation profile's panels (same targeted assay): the "
            f"portal marks a sample SV-profiled only if it has an SV row "
            f"({len(set(api.sv['sample_id']))} of {len(api.samples)} samples)"
        ]


def _panel_row(sample: str, profile: str, profiled: bool, panel: str | None = None) -> dict:
    row = {"sampleId": sample, "molecularProfileId": profile, "profiled": profiled}
    return {**row, "genePanelId": panel} if panel else row


CHOSEN = {"mutations": "s_mutations", "structural_variants": "s_sv"}
SAMPLES = ["A", "B", "C"]


def test_sv_coverage_falls_back_to_the_sv_list_then_every_sample() -> None:
    data = [
        _panel_row("A", "s_mutations", True),
        _panel_row("B", "s_mutations", True),
        _panel_row("A", "s_sv", True),
        _panel_row("B", "s_sv", False),
        _panel_row("C", "s_sv", False),
    ]
    svs = [{"sampleId": "A"}]
    lists = [{"sampleListId": "s_sv", "sampleIds": ["A", "B"]}]
    rows, note = sv_panel_data(data, CHOSEN, svs, lists, SAMPLES, "s")
    assert {r["sampleId"] for r in rows if r["molecularProfileId"] == "s_sv"} == {"A", "B"}
    assert note is not None and note.startswith("SV profiling taken from sample list s_sv:")
    rows, note = sv_panel_data(data, CHOSEN, svs, [], SAMPLES, "s")
    assert {r["sampleId"] for r in rows if r["molecularProfileId"] == "s_sv"} == set(SAMPLES)
    assert note is not None and note.startswith("SV profiling taken from every sample:")
    # a profiled sample without an SV row: the flags say more than "has an SV row"
    data[3] = _panel_row("B", "s_sv", True)
    assert sv_panel_data(data, CHOSEN, svs, lists, SAMPLES, "s") == (data, None)


# --------------------------------------------------------------------------- sample lists


def test_server_answers_an_unknown_sample_list_with_no_rows(studies) -> None:
    body = {"sampleListId": f"{TINY}_no_such_list"}
    mut = f"/molecular-profiles/{TINY}_mutations/mutations"
    cna = f"/molecular-profiles/{TINY}_cna/discrete-copy-number/fetch"
    with serve_study(studies["tiny"]) as (url, _):
        meta = post(url, mut + "/fetch", body, projection="META")
        data = post(url, mut + "/fetch", body, projection="DETAILED")
        cna_meta = post(url, cna, body, projection="META")
        cna_data = post(url, cna, body)
        get = requests.get(url + mut, params={**body, "entrezGeneId": 2064}, timeout=5)
        known = post(url, mut + "/fetch", {"sampleListId": f"{TINY}_sequenced"}, projection="META")
        listed = requests.get(f"{url}/sample-lists/{TINY}_no_such_list", timeout=5)
    assert (meta.status_code, meta.headers["total-count"], meta.content) == (200, "0", b"")
    assert meta.headers["sample-count"] == "0"
    assert (data.status_code, data.json()) == (200, [])
    assert (cna_meta.status_code, cna_meta.headers["total-count"]) == (200, "0")
    assert (cna_data.status_code, cna_data.json()) == (200, [])
    assert (get.status_code, get.json()) == (200, [])
    assert known.headers["total-count"] == "5"
    assert listed.status_code == 404  # the sample-list endpoint itself does 404


@pytest.mark.parametrize(
    "path",
    [
        f"/molecular-profiles/{TINY}_mutations/mutations/fetch",
        f"/molecular-profiles/{TINY}_cna/discrete-copy-number/fetch",
    ],
    ids=["mutations", "cna"],
)
def test_server_refuses_an_empty_sample_id_list(studies, path) -> None:
    with serve_study(studies["tiny"]) as (url, _):
        resp = post(url, path, {"sampleIds": []})
    assert resp.status_code == 400
    assert resp.json() == {"message": "sampleIds size must be between 1 and 10000000"}


def _cases(list_ids: list[str], members: dict[str, set[str]], samples: list[str]) -> Cases:
    lists = [{"sampleListId": i, "sampleIds": sorted(members.get(i, set()))} for i in list_ids]
    return Cases(lists, members, samples, {s: "P" + s for s in samples})


def test_the_client_checks_the_sample_list_before_fetching() -> None:
    endpoint = "POST /molecular-profiles/s_mutations/mutations/fetch"
    known = _cases(["s_sequenced"], {"s_sequenced": {"B", "A"}}, ["A", "B", "C"])
    scope = sample_scope(known, "s", "mutations", endpoint)
    assert scope is not None and scope.body == {"sampleListId": "s_sequenced"}
    assert scope.ordered == ["A", "B"]
    unknown = _cases(["s_sequenced"], {"s_all": {"A"}}, ["A", "B", "C"])
    with pytest.raises(ApiError) as info:
        sample_scope(unknown, "s", "mutations", endpoint)
    assert str(info.value) == (
        f"{endpoint}: sample list s_sequenced is not one of the study's sample lists (s_all); "
        "the portal would answer an unknown list with no rows"
    )
    # no list: every sample by id; no sample either: nothing to ask (an empty list is a 400)
    assert sample_scope(_cases([], {}, ["A"]), "s", "mutations", endpoint).body == {
        "sampleIds": ["A"]
    }
    assert sample_scope(_cases([], {}, []), "s", "mutations", endpoint) is None


# --------------------------------------------------------------------------- 401


def test_a_401_has_an_empty_body_and_the_client_says_why(studies, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CBIOPORTAL_TOKEN", raising=False)
    with serve_study(studies["tiny"], require_token=TOKEN) as (url, _):
        raw = requests.get(f"{url}/studies/{TINY}", timeout=5)
        with pytest.raises(ApiError) as without:
            fetch_study(TINY, url, tmp_path / "a", **FAST)
        with pytest.raises(ApiError) as wrong:
            fetch_study(TINY, url, tmp_path / "b", token="expired-" + TOKEN, **FAST)
    assert (raw.status_code, raw.content) == (401, b"")
    assert str(without.value) == (
        f"GET /studies/{TINY}: HTTP 401 Unauthorized "
        "(this portal needs a Data Access Token: set CBIOPORTAL_TOKEN)"
    )
    assert str(wrong.value) == (
        f"GET /studies/{TINY}: HTTP 401 Unauthorized "
        "(the Data Access Token was refused: wrong or expired?)"
    )
    assert TOKEN not in str(wrong.value)
