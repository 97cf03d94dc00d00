"""Genome-wide HER2 comparison: every gene x alteration type, HER2-low vs HER2-0 (cBioPortal's
Comparison tab with the project's statistics).

For each gene and event type (mutation, amplification, deep deletion, fusion, any of them) with at
least ``min_altered`` altered samples of known HER2 category: the altered frequency in HER2-0,
HER2-low and HER2-positive over panel-aware denominators (a sample counts for a gene only if its
panel for that profile holds the gene, as in the configured rows), then exactly the statistics of
the configured rows (:func:`her2cohort.contingency.statistics`: OR with exact CI, Fisher p, the
HR-stratified Mantel-Haenszel OR) and Benjamini-Hochberg q across the genes of each event type.

Scale: samples are first collapsed into 12 cells (HER2 category x HR status) and panel
combinations; counts are group-bys and one merge of panel gene lists -- no loop over samples or
genes. Only the per-row statistics of the (gene, event) rows that pass the minimum loop in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.alterations import EVENT_PROFILE, AlterationSet, gene_events
from her2cohort.contingency import bh, category_counts, statistics

#: the event types of the comparison ("any": any of the four, profiled by any of the profiles)
GENE_EVENTS = ("mutation", "amplification", "deep_deletion", "fusion", "any")
_CATS = ("HER2-0", "HER2-low", "HER2-positive", "other")
_HRS = ("positive", "negative", "other")
_ALL = "<all genes>"
_NONE = "<not profiled>"
FREQUENCY_GROUPS = {"her2_0": "HER2-0", "her2_low": "HER2-low", "her2_positive": "HER2-positive"}


def _cells(units: pd.DataFrame) -> pd.Series:
    """Cell index (0-11) per sample: HER2 category x HR status."""
    cat = pd.Series(units["her2_category"].to_numpy(), dtype="string")
    hr = pd.Series(units["hr_status"].to_numpy(), dtype="string")
    c = pd.Series(pd.Categorical(cat, categories=_CATS[:3]).codes).replace(-1, 3)
    h = pd.Series(pd.Categorical(hr, categories=_HRS[:2]).codes).replace(-1, 2)
    return pd.Series((c * 3 + h).to_numpy(), index=units["sample_id"].to_numpy())


def _profile_keys(tables: Any, samples: pd.Index, profiles: Sequence[str]) -> pd.Series:
    """Per sample, the panel key of each profile joined by '|' (_ALL: every gene; _NONE: none)."""
    prof = tables.profiles.dropna(subset=["sample_id", "profile"])
    defined = set(tables.gene_panels["panel_id"].dropna())
    key = prof["panel_id"].astype("string").where(prof["panel_id"].isin(defined), _ALL)
    keyed = pd.DataFrame({"sample_id": prof["sample_id"], "profile": prof["profile"], "key": key})
    keyed = keyed.drop_duplicates(["sample_id", "profile"])
    wide = keyed.pivot(index="sample_id", columns="profile", values="key")
    parts = [
        wide[p].reindex(samples).fillna(_NONE).astype(str)
        if p in wide
        else pd.Series(_NONE, index=samples)
        for p in profiles
    ]
    out = parts[0]
    for part in parts[1:]:
        out = out + "|" + part
    return out


def _key_genes(keys: pd.Series, panels: pd.DataFrame) -> pd.DataFrame:
    """(key, gene) pairs a panel-only key covers (keys holding _ALL cover everything: not listed)."""
    distinct = pd.Series(keys.unique(), dtype=str)
    parts = distinct.str.split("|").explode()
    pairs = pd.DataFrame({"key": parts.index.map(distinct), "panel_id": parts.to_numpy()})
    pairs = pairs[~pairs["key"].str.contains(_ALL, regex=False)]
    out = pairs.merge(panels[["panel_id", "gene"]], on="panel_id")[["key", "gene"]]
    return out.drop_duplicates(ignore_index=True)


def _profiled(
    rows: pd.DataFrame, keys: pd.Series, cells: pd.Series, panels: pd.DataFrame
) -> np.ndarray:
    """Profiled samples per (row gene) x cell for one event type: samples whose key covers it."""
    frame = pd.DataFrame({"key": keys.to_numpy(), "cell": cells.reindex(keys.index).to_numpy()})
    n = frame.groupby(["key", "cell"]).size().rename("n").reset_index()
    out = np.zeros((len(rows), 12), dtype=np.int64)
    everything = n[n["key"].str.contains(_ALL, regex=False)].groupby("cell")["n"].sum()
    out[:, everything.index.to_numpy(int)] += everything.to_numpy()
    cover = _key_genes(keys, panels).merge(n, on="key")
    per_gene = cover.groupby(["gene", "cell"])["n"].sum().unstack(fill_value=0)
    per_gene = per_gene.reindex(columns=range(12), fill_value=0)
    out += per_gene.reindex(rows["gene"], fill_value=0).to_numpy(np.int64)
    return out


def _uncovered_altered(calls: pd.DataFrame, keys: pd.Series, panels: pd.DataFrame) -> pd.DataFrame:
    """Calls whose sample's panel lacks the gene (they count as profiled: altered is altered)."""
    c = calls.assign(key=keys.reindex(calls["sample_id"]).to_numpy())
    c = c[~c["key"].str.contains(_ALL, regex=False)]
    covered = _key_genes(keys, panels).assign(on=True)
    c = c.merge(covered, on=["key", "gene"], how="left")
    return c[c["on"].isna()].drop(columns=["key", "on"])


def gene_comparison(
    tables: Any,
    units: pd.DataFrame,
    alterations: AlterationSet,
    min_altered: int = 10,
    events: Sequence[str] = GENE_EVENTS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The genome-wide table (``genes.tsv``) of one cohort and rule set.

    Parameters
    ----------
    tables
        The study's canonical tables (symbols resolved, panels applied).
    units
        One row per unit of analysis (sample_id, her2_category, hr_status), as the enrichment
        stage selects them.
    alterations
        The configured rows: the mutation import filter, and which single-gene single-event rows
        a gene row reproduces (column ``configured``).
    min_altered
        Rows with fewer altered samples of known HER2 category are left out.
    """
    cells = _cells(units)
    samples = pd.Index(units["sample_id"].astype(str))
    calls = gene_events(tables, alterations.mutation_filter)
    calls = calls[calls["sample_id"].isin(samples).to_numpy(bool)]
    calls = pd.concat(
        [calls, calls[["sample_id", "gene"]].drop_duplicates().assign(event="any")],
        ignore_index=True,
    )
    calls = calls[calls["event"].isin(events).to_numpy(bool)].reset_index(drop=True)
    calls["cell"] = cells.reindex(calls["sample_id"]).to_numpy()
    altered = calls.groupby(["gene", "event", "cell"]).size().unstack(fill_value=0)
    altered = altered.reindex(columns=range(12), fill_value=0)
    known = [c * 3 + h for c in range(3) for h in range(3)]
    altered = altered[altered[known].sum(axis=1) >= min_altered]
    rows = altered.index.to_frame(index=False)
    a = altered.to_numpy(np.int64)
    p = np.zeros_like(a)
    panels = tables.gene_panels
    for event in events:
        sel = (rows["event"] == event).to_numpy(bool)
        if not sel.any():
            continue
        profiles = sorted(set(EVENT_PROFILE.values())) if event == "any" else [EVENT_PROFILE[event]]
        keys = _profile_keys(tables, samples, profiles)
        p[sel] = _profiled(rows[sel], keys, cells, panels)
        extra = _uncovered_altered(calls[calls["event"] == event], keys, panels)
        extra = extra.groupby(["gene", "cell"]).size().unstack(fill_value=0)
        extra = extra.reindex(columns=range(12), fill_value=0)
        p[sel] += extra.reindex(rows.loc[sel, "gene"], fill_value=0).to_numpy(np.int64)
    return _table(rows, a, p, alterations, alpha)


def _table(
    rows: pd.DataFrame, a: np.ndarray, p: np.ndarray, alterations: AlterationSet, alpha: float
) -> pd.DataFrame:
    cell_cat = pd.Series([_CATS[i // 3] for i in range(12)]).replace("other", pd.NA)
    cell_hr = pd.Series([_HRS[i % 3] for i in range(12)]).replace("other", pd.NA)
    counts = category_counts(a.T, (p - a).T, cell_cat, cell_hr)
    out = rows.copy()
    out["configured"] = _configured(rows, alterations)
    out["n_profiled"], out["n_altered"] = p.sum(axis=1), a.sum(axis=1)
    for key, cat in FREQUENCY_GROUPS.items():
        cols = [i for i in range(12) if _CATS[i // 3] == cat]
        n_p, n_a = p[:, cols].sum(axis=1), a[:, cols].sum(axis=1)
        out[f"n_profiled_{key}"], out[f"n_altered_{key}"] = n_p, n_a
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"pct_altered_{key}"] = np.where(n_p > 0, 100 * n_a / np.maximum(n_p, 1), np.nan)
    keep = [c for c in counts.columns if not c.startswith("s_") and c != "n_altered"]
    out = pd.concat([out, counts[keep]], axis=1)
    stats = statistics(counts, alpha)
    out = pd.concat([out, stats], axis=1)
    out["bh_q"] = np.nan
    for _, idx in out.groupby("event").groups.items():
        out.loc[idx, "bh_q"] = bh(out.loc[idx, "fisher_p"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log2_or"] = np.log2(out["odds_ratio"].astype(float))
    order = pd.Categorical(out["event"], categories=list(GENE_EVENTS))
    return (
        out.assign(_o=order)
        .sort_values(["_o", "fisher_p", "gene"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _configured(rows: pd.DataFrame, alterations: AlterationSet) -> list[str]:
    """The configured row a (gene, event) row reproduces: one gene, one event type (or all four
    for ``any``)."""
    lookup: dict[tuple[str, str], str] = {}
    for alt in alterations.alterations:
        if len(alt.genes) != 1:
            continue
        events = set(alt.events)
        event = alt.events[0] if len(events) == 1 else ("any" if len(events) == 4 else None)
        if event is not None:
            lookup[(alt.genes[0], event)] = alt.id
    return [lookup.get((g, e), "") for g, e in zip(rows["gene"], rows["event"], strict=True)]


def run_gene_comparison(
    tables: Any,
    samples: pd.DataFrame,
    clinical: pd.DataFrame,
    alterations: AlterationSet,
    options: dict[str, Any],
) -> pd.DataFrame:
    """``genes.tsv`` of one rule set: the enrichment stage's unit of analysis (every sample, or the
    latest per patient), its HER2 categories and HR status, then :func:`gene_comparison`.

    samples: the rule set's per-sample HER2 table, indexed by sample_id; clinical: the canonical
    clinical table indexed by sample_id; options: the ``enrichment`` config block.
    """
    from her2cohort.enrichment import select_unit

    frame = pd.DataFrame(
        {
            "sample_id": tables.samples["SAMPLE_ID"].astype(str).to_numpy(),
            "patient_id": tables.samples["PATIENT_ID"].astype(str).to_numpy(),
        }
    )
    timing = clinical["sequencing_time"].reindex(frame["sample_id"])
    units = select_unit(frame, options["unit"], timing).reset_index(drop=True)
    units["her2_category"] = samples["her2_category"].reindex(units["sample_id"]).to_numpy()
    units["hr_status"] = clinical["hr_status"].reindex(units["sample_id"]).to_numpy()
    genes = options["genes"]
    table = gene_comparison(
        tables,
        units,
        alterations,
        min_altered=genes["min_altered"],
        events=genes["events"],
        alpha=1 - options["confidence"],
    )
    table.insert(2, "unit", options["unit"])
    return table
