"""The endpoints of the mock portal: one handler per route, answering from a study model."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Hashable
from typing import Any

from cbioportal_server.base import Profile
from cbioportal_server.http import MAX_PAGE_SIZE, HttpError, Reply, Request, listing, meta_or
from cbioportal_server.importer import CNA_EVENT_TYPES, as_int, compact
from cbioportal_server.model import StudyModel


def xor_samples(body: Any, model: StudyModel, name: str) -> set[str]:
    """sampleListId XOR sampleIds, as the portal's @AssertTrue validators require.

    An unknown sampleListId is no error: the portal joins the data on the list's members, so it
    answers 200 with nothing (META: total-count 0). An empty sampleIds list fails @Size(min = 1).
    """
    if not isinstance(body, dict):
        raise HttpError(400, "There is an error in the JSON format of the request payload")
    has_list, has_ids = body.get("sampleListId") is not None, body.get("sampleIds") is not None
    if has_list == has_ids:
        raise HttpError(400, f"{name} sampleListId and sampleIds: exactly one must be set")
    if has_list:
        sl = model.sample_lists.get(str(body["sampleListId"]))
        return set(sl["sampleIds"]) if sl is not None else set()
    ids = body["sampleIds"]
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_PAGE_SIZE:
        raise HttpError(400, f"sampleIds size must be between 1 and {MAX_PAGE_SIZE}")
    return {str(s) for s in ids}


def gene_filter(body: dict[str, Any]) -> set[int] | None:
    genes = body.get("entrezGeneIds")
    if genes is None:
        return None
    if not isinstance(genes, list) or not 1 <= len(genes) <= 50000:
        raise HttpError(400, "entrezGeneIds size must be between 1 and 50000")
    return {int(g) for g in genes}


def profiles_xor_pairs(req: Request, filter_name: str) -> tuple[dict, list, set]:
    """Body of a multiple-profile filter: molecularProfileIds XOR sampleMolecularIdentifiers.

    Returns (body, profile ids, {(profile, sample)} pairs); a malformed body or both/neither set is a
    400 with the portal's messages.
    """
    body = req.json()
    if not isinstance(body, dict):
        raise HttpError(400, "There is an error in the JSON format of the request payload")
    ids = body.get("molecularProfileIds") or []
    pairs = body.get("sampleMolecularIdentifiers") or []
    if bool(ids) == bool(pairs):
        raise HttpError(
            400,
            f"{filter_name} molecularProfileIds and sampleMolecularIdentifiers: "
            "exactly one must be set",
        )
    return body, ids, {(p["molecularProfileId"], p["sampleId"]) for p in pairs}


#: how rows tied on the portal's sort key come back, request by request
TIE_ORDERS = ("stable", "shuffled", "unordered")


class Api:
    """Route table for one study.

    `tie_order` is how the paged queries a study pull uses order their rows:

    * ``stable``: a fixed order (file order, mutations by sample, gene and protein change);
    * ``shuffled``: what cBioPortal v7 does -- mutations sorted by molecularProfileId, sampleId,
      entrezGeneId only (MutationMapper.xml, sampleListId query) and clinical data by the
      sample's / patient's internal id only; rows tied on that key come in a new random order on
      every request, so a tie group cut by a page boundary can repeat or lose rows across pages;
    * ``unordered``: v5 / v6 (no ORDER BY for DETAILED mutations or study clinical data): every
      request returns the rows in a new random order.

    The randomness comes from ``random.Random(seed)``, so a test run is reproducible.
    """

    def __init__(self, model: StudyModel, tie_order: str = "stable", seed: int = 0) -> None:
        if tie_order not in TIE_ORDERS:
            raise ValueError(f"tie_order must be one of {TIE_ORDERS}, not {tie_order!r}")
        self.m = model
        self.tie_order = tie_order
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        sid = r"([^/]+)"
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Request], Reply]]] = [
            ("GET", re.compile(r"/studies"), self.studies),
            ("GET", re.compile(rf"/studies/{sid}"), self.study),
            ("GET", re.compile(rf"/studies/{sid}/molecular-profiles"), self.profiles),
            ("GET", re.compile(rf"/studies/{sid}/sample-lists"), self.sample_lists),
            ("GET", re.compile(rf"/sample-lists/{sid}"), self.sample_list),
            ("GET", re.compile(rf"/sample-lists/{sid}/sample-ids"), self.sample_list_ids),
            ("GET", re.compile(rf"/studies/{sid}/samples"), self.samples),
            ("GET", re.compile(rf"/studies/{sid}/clinical-attributes"), self.clinical_attributes),
            ("GET", re.compile(rf"/studies/{sid}/clinical-data"), self.clinical_data),
            ("POST", re.compile(rf"/studies/{sid}/clinical-data/fetch"), self.clinical_data_fetch),
            ("GET", re.compile(rf"/molecular-profiles/{sid}/mutations"), self.mutations_get),
            (
                "POST",
                re.compile(rf"/molecular-profiles/{sid}/mutations/fetch"),
                self.mutations_fetch,
            ),
            (
                "POST",
                re.compile(rf"/molecular-profiles/{sid}/discrete-copy-number/fetch"),
                self.cna_fetch,
            ),
            ("POST", re.compile(r"/structural-variant/fetch"), self.sv_fetch),
            ("POST", re.compile(r"/gene-panel-data/fetch"), self.panel_data_fetch),
            ("POST", re.compile(r"/gene-panels/fetch"), self.panels_fetch),
            ("GET", re.compile(rf"/gene-panels/{sid}"), self.panel),
            ("POST", re.compile(r"/genes/fetch"), self.genes_fetch),
        ]

    def dispatch(self, req: Request) -> Reply:
        allowed = []
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(req.path)
            if match:
                allowed.append(method)
                if method == req.method:
                    req.groups = match.groups()
                    return handler(req)
        if allowed:
            raise HttpError(405, f"Request method '{req.method}' is not supported")
        raise HttpError(404, f"No endpoint {req.method} /api{req.path}")

    def ordered(
        self, records: list[dict[str, Any]], key: Callable[[dict[str, Any]], Hashable]
    ) -> list[dict[str, Any]]:
        """`records` in the order of this portal version (see :class:`Api`)."""
        if self.tie_order == "stable":
            return records
        with self.rng_lock:
            shuffled = self.rng.sample(records, len(records))
        if self.tie_order == "unordered":
            return shuffled
        return sorted(shuffled, key=key)  # a stable sort: ties keep the random order

    def _study(self, study_id: str) -> None:
        if study_id != self.m.study_id:
            raise HttpError(404, f"Study not found: {study_id}")

    def _profile(self, profile_id: str, kind: str) -> Profile:
        prof = self.m.profiles.get(profile_id)
        if prof is None or prof.kind != kind:
            raise HttpError(404, f"Molecular profile not found: {profile_id}")
        return prof

    # ---- study level
    def studies(self, req: Request) -> Reply:
        reply = listing(req, [self.m.study_record()], one_based=True)
        if "total-count" in reply.headers:
            reply.headers["X-Total-Count"] = reply.headers["total-count"]
        return reply

    def study(self, req: Request) -> Reply:
        self._study(req.groups[0])
        return Reply(200, self.m.study_record())

    def profiles(self, req: Request) -> Reply:
        self._study(req.groups[0])
        return listing(req, [p.record(self.m.study_id) for p in self.m.profiles.values()])

    def sample_lists(self, req: Request) -> Reply:
        self._study(req.groups[0])
        detailed = req.projection() == "DETAILED"
        return listing(
            req, [self.m.sample_list_record(sl, detailed) for sl in self.m.sample_lists.values()]
        )

    def _list(self, list_id: str) -> dict[str, Any]:
        sl = self.m.sample_lists.get(list_id)
        if sl is None:
            raise HttpError(404, f"Sample list not found: {list_id}")
        return sl

    def sample_list(self, req: Request) -> Reply:
        return Reply(200, self.m.sample_list_record(self._list(req.groups[0]), True))

    def sample_list_ids(self, req: Request) -> Reply:
        return Reply(200, list(self._list(req.groups[0])["sampleIds"]))

    def samples(self, req: Request) -> Reply:
        self._study(req.groups[0])
        sequenced = set(
            self.m.sample_lists.get(f"{self.m.study_id}_sequenced", {}).get("sampleIds", [])
        )
        return listing(req, [self.m.sample_record(s, sequenced) for s in self.m.samples])

    def clinical_attributes(self, req: Request) -> Reply:
        self._study(req.groups[0])
        return listing(req, list(self.m.attributes))

    def _clinical(self, req: Request) -> list[dict[str, Any]]:
        kind = req.param("clinicalDataType", "SAMPLE")
        if kind not in ("SAMPLE", "PATIENT"):
            raise HttpError(400, f"Request parameter type mismatch: clinicalDataType={kind}")
        return self.m.sample_data if kind == "SAMPLE" else self.m.patient_data

    def clinical_data(self, req: Request) -> Reply:
        self._study(req.groups[0])
        records = self._clinical(req)
        attr = req.param("attributeId")
        if attr:
            records = [r for r in records if r["clinicalAttributeId"] == attr]
        if req.projection() == "META":
            return listing(req, records)
        if req.param("clinicalDataType", "SAMPLE") == "SAMPLE":
            rank = {s["sampleId"]: i for i, s in enumerate(self.m.samples)}
            return listing(req, self.ordered(records, lambda r: rank[r["sampleId"]]))
        rank = {p: i for i, p in enumerate(self.m.patients)}
        return listing(req, self.ordered(records, lambda r: rank[r["patientId"]]))

    def clinical_data_fetch(self, req: Request) -> Reply:
        self._study(req.groups[0])
        records = self._clinical(req)
        body = req.json()
        if not isinstance(body, dict) or not body.get("ids"):
            raise HttpError(400, "ids size must be between 1 and 2147483647")
        ids = set(body["ids"])
        key = "sampleId" if req.param("clinicalDataType", "SAMPLE") == "SAMPLE" else "patientId"
        attrs = set(body.get("attributeIds") or [])
        out = [
            r for r in records if r[key] in ids and (not attrs or r["clinicalAttributeId"] in attrs)
        ]
        return meta_or(req, out)

    # ---- molecular data
    def mutations_get(self, req: Request) -> Reply:
        self._profile(req.groups[0], "mutations")
        if req.param("entrezGeneId") is None:
            raise HttpError(400, "Request parameter is missing: entrezGeneId")
        if req.param("sampleListId") is None:
            raise HttpError(400, "Request parameter is missing: sampleListId")
        samples = xor_samples({"sampleListId": req.param("sampleListId")}, self.m, "")
        gene = int(str(req.param("entrezGeneId")))
        recs = [
            r
            for r in self.m.mutations[req.groups[0]]
            if r["sampleId"] in samples and r["entrezGeneId"] == gene
        ]
        return listing(req, self._detail(req, self._mutation_order(recs)))

    def _mutation_order(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.ordered(
            records, lambda r: (r["molecularProfileId"], r["sampleId"], r["entrezGeneId"])
        )

    def _detail(self, req: Request, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if req.projection() != "DETAILED":
            return records
        return [{**r, "gene": self.m.gene_record(r["entrezGeneId"])} for r in records]

    def mutations_fetch(self, req: Request) -> Reply:
        prof = self._profile(req.groups[0], "mutations")
        body = req.json()
        samples = xor_samples(body, self.m, "mutationFilter")
        genes = gene_filter(body)
        recs = [
            r
            for r in self.m.mutations[prof.profile_id]
            if r["sampleId"] in samples and (genes is None or r["entrezGeneId"] in genes)
        ]
        if req.projection() != "META":
            recs = self._mutation_order(recs)
        reply = listing(req, self._detail(req, recs))
        if "total-count" in reply.headers:
            reply.headers["sample-count"] = str(len({r["sampleId"] for r in recs}))
        return reply

    def cna_fetch(self, req: Request) -> Reply:
        prof = self._profile(req.groups[0], "cna")
        event = req.param("discreteCopyNumberEventType", "HOMDEL_AND_AMP") or "HOMDEL_AND_AMP"
        if event not in CNA_EVENT_TYPES:
            raise HttpError(
                400, f"Request parameter type mismatch: discreteCopyNumberEventType={event}"
            )
        body = req.json()
        samples = xor_samples(body, self.m, "discreteCopyNumberFilter")
        projection = req.projection()
        recs = self.m.cna_records(
            prof.profile_id, samples, event, gene_filter(body), projection == "DETAILED"
        )
        return meta_or(req, recs)

    def sv_fetch(self, req: Request) -> Reply:
        body, ids, wanted = profiles_xor_pairs(req, "structuralVariantFilter")
        profiles = set(ids) | {p for p, _ in wanted}
        genes = gene_filter(body)
        out = []
        for pid in sorted(profiles):
            for rec in self.m.svs.get(pid, []):
                if wanted and (pid, rec["sampleId"]) not in wanted:
                    continue
                if (
                    genes is not None
                    and not {rec.get("site1EntrezGeneId"), rec.get("site2EntrezGeneId")} & genes
                ):
                    continue
                out.append(rec)
        return Reply(200, out)

    def panel_data_fetch(self, req: Request) -> Reply:
        body, ids, wanted = profiles_xor_pairs(req, "genePanelDataMultipleStudyFilter")
        out = []
        for pid in [*ids, *sorted({p for p, _ in wanted})]:
            for rec in self.m.panel_data.get(pid, []):
                if not wanted or (pid, rec["sampleId"]) in wanted:
                    out.append(rec)
        return Reply(200, out)

    def _panel_record(self, panel: dict[str, Any], detailed: bool) -> dict[str, Any]:
        return compact({k: v for k, v in panel.items() if detailed or k != "genes"})

    def panels_fetch(self, req: Request) -> Reply:
        body = req.json()
        if not isinstance(body, list):
            raise HttpError(400, "There is an error in the JSON format of the request payload")
        detailed = req.projection() == "DETAILED"
        out = [self._panel_record(self.m.panels[p], detailed) for p in body if p in self.m.panels]
        return Reply(200, out)

    def panel(self, req: Request) -> Reply:
        panel = self.m.panels.get(req.groups[0])
        if panel is None:
            raise HttpError(404, f"Gene panel not found: {req.groups[0]}")
        return Reply(200, self._panel_record(panel, True))

    def genes_fetch(self, req: Request) -> Reply:
        body = req.json()
        kind = req.param("geneIdType", "ENTREZ_GENE_ID")
        if not isinstance(body, list) or kind not in ("ENTREZ_GENE_ID", "HUGO_GENE_SYMBOL"):
            raise HttpError(400, "Request parameter type mismatch: geneIdType")
        out = []
        for value in body:
            if kind == "HUGO_GENE_SYMBOL" and str(value) in self.m.genes:
                out.append(self.m.gene_record(self.m.genes[str(value)]))
            elif kind == "ENTREZ_GENE_ID" and as_int(value) in self.m.symbol_of:
                out.append(self.m.gene_record(int(str(value))))
        return Reply(200, out)
