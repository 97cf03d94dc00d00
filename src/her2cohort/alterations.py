"""Alteration calls: a sample x alteration matrix from mutations, discrete CNA and fusions / SVs.

Conventions follow cBioPortal so counts equal its OncoPrint:

* mutation: a MAF record the importer keeps (default filter: drop Silent, Intron, IGR, 3'UTR,
  5'UTR, 3'Flank, 5'Flank except TERT promoter; drop Mutation_Status None / LOH / Wildtype);
* amplification: discrete CNA 2; deep deletion: -2 and MSK-IMPACT's -1.5 (gain 1 and shallow
  loss -1 are not alterations);
* fusion / SV: counts for every gene named as a partner (site 1 and site 2).

The matrix holds 1 (altered), 0 (profiled, not altered) and <NA> (not profiled: the sample's
panel for that event type lacks every gene of the row). An altered sample always counts as altered.
Everything is joins and group-bys: no Python loop over samples or genes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.config import load_yaml, validate
from her2cohort.errors import DataError
from her2cohort.genes import resolve_configured

log = logging.getLogger(__name__)

EVENTS = ("mutation", "amplification", "deep_deletion", "fusion")
EVENT_PROFILE = {
    "mutation": "mutations",
    "amplification": "cna",
    "deep_deletion": "cna",
    "fusion": "structural_variants",
}
#: the molecular profiles an alteration can rest on
PROFILES = ("mutations", "cna", "structural_variants")
DEFAULT_FILTER = {
    "drop_classifications": ["Silent", "Intron", "IGR", "3'UTR", "5'UTR", "3'Flank", "5'Flank"],
    "keep_flank_genes": ["TERT"],
    "drop_mutation_status": ["None", "LOH", "Wildtype"],
}


@dataclass(frozen=True)
class Alteration:
    id: str
    mechanism: str
    genes: tuple[str, ...]
    events: tuple[str, ...]
    extension: bool = False
    label: str = ""
    #: configured symbols that were resolved to a current one ("MLL3 resolved to KMT2C (...)")
    resolved: tuple[str, ...] = ()

    @property
    def gene_label(self) -> str:
        return ",".join(self.genes)


@dataclass
class AlterationSet:
    alterations: list[Alteration]
    mutation_filter: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_FILTER))

    def long(self) -> pd.DataFrame:
        """One row per (alteration, gene, event, profile)."""
        rows = [
            (a.id, g, e, EVENT_PROFILE[e])
            for a in self.alterations
            for g in a.genes
            for e in a.events
        ]
        return pd.DataFrame(rows, columns=["alteration", "gene", "event", "profile"])

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "alteration": [a.id for a in self.alterations],
                "mechanism": [a.mechanism for a in self.alterations],
                "genes": [a.gene_label for a in self.alterations],
                "events": [",".join(a.events) for a in self.alterations],
                "extension": [a.extension for a in self.alterations],
                "genes_resolved": ["; ".join(a.resolved) for a in self.alterations],
            }
        )


def load_alterations(path: str | Path) -> AlterationSet:
    raw = validate(load_yaml(path), "alterations", str(path))
    ids = [a["id"] for a in raw["alterations"]]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise DataError(f"{path}: duplicated alteration id(s) {', '.join(dup)}")
    alts = []
    for a in raw["alterations"]:
        genes, resolved = resolve_configured(a["genes"], f"{path}: alteration {a['id']}")
        for note in resolved:
            log.warning("%s: %s", a["id"], note)
        alts.append(
            Alteration(
                id=a["id"],
                mechanism=a["mechanism"],
                genes=genes,
                events=tuple(a["events"]),
                extension=bool(a["extension"]),
                label=a["label"],
                resolved=tuple(resolved),
            )
        )
    return AlterationSet(alts, {**DEFAULT_FILTER, **(raw.get("mutation_filter") or {})})


def filter_mutations(
    mutations: pd.DataFrame, mutation_filter: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Apply cBioPortal's import filter to a canonical mutation table."""
    f = {**DEFAULT_FILTER, **(mutation_filter or {})}
    vc = mutations["variant_classification"].astype("string")
    gene = mutations["gene"].astype("string")
    dropped_class = vc.isin(f["drop_classifications"])
    flank_kept = (vc == "5'Flank") & gene.isin(f["keep_flank_genes"])
    status = mutations["mutation_status"].astype("string").str.strip()
    dropped_status = status.isin([str(s) for s in f["drop_mutation_status"]]).fillna(False)
    unknown_gene = gene.isna() | (gene == "Unknown")
    keep = (~dropped_class | flank_kept) & ~dropped_status & ~unknown_gene
    return mutations[keep.to_numpy(bool)]


def gene_events(
    tables: Any, mutation_filter: dict[str, Any] | None = None, genes: set[str] | None = None
) -> pd.DataFrame:
    """Distinct (sample_id, gene, event) calls from a StudyTables (only `genes`, if given)."""
    muts = tables.mutations
    if genes is not None:
        muts = muts[muts["gene"].isin(genes).to_numpy(bool)]
    muts = filter_mutations(muts, mutation_filter)
    frames = [muts[["sample_id", "gene"]].assign(event="mutation")]
    cna = tables.cna
    if genes is not None:
        cna = cna[cna["gene"].isin(genes).to_numpy(bool)]
    value = pd.to_numeric(cna["value"], errors="coerce")
    frames.append(cna.loc[value == 2, ["sample_id", "gene"]].assign(event="amplification"))
    frames.append(
        cna.loc[value.isin([-2, -1.5]), ["sample_id", "gene"]].assign(event="deep_deletion")
    )
    sv = tables.sv
    for site in ("site1_gene", "site2_gene"):
        part = sv[["sample_id", site]].rename(columns={site: "gene"}).dropna(subset=["gene"])
        frames.append(part.assign(event="fusion"))
    frames = [f.astype({"sample_id": "string", "gene": "string"}) for f in frames]
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates(ignore_index=True)


def _dense(pairs: pd.DataFrame, sample_index: pd.Index, columns: list[str]) -> np.ndarray:
    """Boolean samples x columns array marking the (sample_id, alteration) pairs."""
    mat = np.zeros((len(sample_index), len(columns)), dtype=bool)
    if len(pairs):
        rows = sample_index.get_indexer(pairs["sample_id"])
        cols = pd.Index(columns).get_indexer(pairs["alteration"])
        ok = (rows >= 0) & (cols >= 0)
        mat[rows[ok], cols[ok]] = True
    return mat


def profiled_pairs(
    profiles: pd.DataFrame, panels: pd.DataFrame, defs_long: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """(sample_id, alteration) pairs where the sample was profiled for at least one gene-event of the row.

    A panel id without a definition, or no panel id (whole exome / genome), counts as profiled
    for every gene; the notes list such panels.
    """
    notes = []
    prof = profiles.dropna(subset=["sample_id", "profile"]).copy()
    prof["panel_key"] = prof["panel_id"].astype("string").fillna("<all genes>")
    defined = set(panels["panel_id"].dropna())
    keys = prof[["profile", "panel_key"]].drop_duplicates()
    cover = keys.merge(defs_long, on="profile")
    in_panel = (
        cover.merge(
            panels.rename(columns={"panel_id": "panel_key"}).assign(on_panel=1),
            on=["panel_key", "gene"],
            how="left",
        )["on_panel"]
        .notna()
        .to_numpy(bool)
    )
    undefined = ~cover["panel_key"].isin(defined).to_numpy(bool)
    cover = cover[in_panel | undefined]
    missing = sorted(set(keys["panel_key"]) - defined - {"<all genes>"})
    if missing:
        notes.append(
            "no gene panel definition for " + ", ".join(missing) + ": assumed to cover every gene"
        )
    cover = cover[["profile", "panel_key", "alteration"]].drop_duplicates()
    pairs = prof.merge(cover, on=["profile", "panel_key"])[["sample_id", "alteration"]]
    return pairs.drop_duplicates(), notes


def alteration_matrix(
    tables: Any, alterations: AlterationSet
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Return (matrix, events, notes).

    matrix: one row per sample (sample_id, patient_id, then one nullable Int8 column per alteration:
    1 altered, 0 profiled and unaltered, <NA> not profiled). events: the (sample, alteration, gene,
    event) calls behind each 1, for audit.
    """
    samples = tables.samples[["SAMPLE_ID", "PATIENT_ID"]].rename(
        columns={"SAMPLE_ID": "sample_id", "PATIENT_ID": "patient_id"}
    )
    index = pd.Index(samples["sample_id"].astype(str))
    ids = [a.id for a in alterations.alterations]
    defs_long = alterations.long()
    events = gene_events(tables, alterations.mutation_filter, set(defs_long["gene"]))
    calls = events.merge(defs_long[["alteration", "gene", "event"]], on=["gene", "event"])
    unknown = ~calls["sample_id"].isin(index)
    notes = []
    if unknown.any():
        notes.append(
            f"{calls.loc[unknown, 'sample_id'].nunique()} sample ids in the molecular data are not in "
            "the clinical sample file; their calls are ignored"
        )
    altered = _dense(calls[["sample_id", "alteration"]].drop_duplicates(), index, ids)
    pairs, pnotes = profiled_pairs(tables.profiles, tables.gene_panels, defs_long)
    notes += pnotes
    profiled = _dense(pairs, index, ids) | altered
    values = np.where(altered, 1, 0).astype("int8")
    matrix = pd.DataFrame(
        {
            i: pd.array(np.where(profiled[:, k], values[:, k], -1), dtype="Int8")
            for k, i in enumerate(ids)
        }
    )
    matrix = matrix.mask(matrix == -1)
    matrix.insert(0, "patient_id", samples["patient_id"].astype("string").to_numpy())
    matrix.insert(0, "sample_id", samples["sample_id"].astype("string").to_numpy())
    for col in ids:
        matrix[col] = matrix[col].astype("Int8")
    return matrix, calls.sort_values(["alteration", "sample_id", "gene"], ignore_index=True), notes


def profile_availability(tables: Any) -> dict[str, bool]:
    """Which molecular profiles a study has at all."""
    present = set(tables.profiles["profile"].dropna())
    return {p: p in present for p in PROFILES}


def study_genes(tables: Any) -> set[str]:
    """Every gene symbol a study names: in a MAF record, a CNA call, a fusion or a gene panel."""
    cols = [
        tables.mutations["gene"],
        tables.cna["gene"],
        tables.sv["site1_gene"],
        tables.sv["site2_gene"],
        tables.gene_panels["gene"],
    ]
    return {str(g) for c in cols for g in c.dropna().astype(str).unique()}


def genes_not_found(alterations: AlterationSet, genes: set[str]) -> dict[str, str]:
    """Alteration id -> what it names that the study never does (with the nearest symbols).

    A configured gene with no MAF record, no CNA call, no fusion and on no panel is most likely a
    typo or an old symbol: its row would count 0 altered without it being said.
    """
    import difflib

    out = {}
    for alt in alterations.alterations:
        missing = [g for g in alt.genes if g not in genes]
        if not missing:
            continue
        parts = []
        for g in missing:
            near = difflib.get_close_matches(g, genes, n=3, cutoff=0.6)
            parts.append(f"{g} (nearest in the study: {', '.join(near) or 'none'})")
        out[alt.id] = (
            "gene(s) found nowhere in the study (no mutation, CNA call, fusion or "
            "panel): " + "; ".join(parts)
        )
    return out


def availability_from_summary(summary: pd.DataFrame) -> dict[str, bool]:
    """The profile availability recorded in ``alterations/summary.tsv`` (``profiles_in_study``)."""
    if not len(summary):
        return {}
    present = str(summary["profiles_in_study"].iloc[0]).split(",")
    return {p: p in present for p in PROFILES}


@dataclass(frozen=True)
class AlterationTables:
    """The alteration stage's outputs: the matrix, the calls behind it and a per-row summary."""

    matrix: pd.DataFrame
    calls: pd.DataFrame
    summary: pd.DataFrame
    notes: list[str]


def alteration_tables(tables: Any, alterations: AlterationSet) -> AlterationTables:
    """The sample x alteration matrix with its calls, and per row: altered / profiled counts,
    the study's profiles and the notes of :func:`alteration_matrix`."""
    matrix, calls, notes = alteration_matrix(tables, alterations)
    avail = profile_availability(tables)
    summary = alterations.table()
    values = matrix[summary["alteration"]]
    summary["n_altered"] = (values == 1).sum().to_numpy()
    summary["n_profiled"] = values.notna().sum().to_numpy()
    summary["n_not_profiled"] = values.isna().sum().to_numpy()
    summary["profiles_in_study"] = ",".join(k for k, v in avail.items() if v)
    summary["notes"] = "; ".join(notes)
    unknown = genes_not_found(alterations, study_genes(tables))
    summary["genes_not_found"] = summary["alteration"].map(unknown).fillna("")
    for alt, text in unknown.items():
        log.warning("%s: %s", alt, text)
    return AlterationTables(matrix, calls, summary, notes)
