"""Choose a study source from configuration: folder, api, datahub or auto."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from her2cohort.errors import DataError
from her2cohort.genes import resolve_study
from her2cohort.source.folder import locate_study, read_study_folder
from her2cohort.source.tables import StudyTables

log = logging.getLogger(__name__)


def _from_api(study_id: str, config: dict[str, Any]) -> StudyTables:
    from her2cohort.source.api import fetch_study

    api = config["api"]
    return fetch_study(
        study_id,
        base_url=api["base_url"],
        cache_dir=Path(api["cache_dir"]),
        timeout=(api["connect_timeout"], api["read_timeout"]),
        max_attempts=api["max_attempts"],
    )


def _from_datahub(study_id: str, config: dict[str, Any]) -> StudyTables:
    from her2cohort.source.datahub import download_datahub_study

    dh = config["datahub"]
    folder = download_datahub_study(study_id, Path(dh["dest_dir"]), url_template=dh["url_template"])
    tables = read_study_folder(folder, config["gene_panel_dirs"])
    tables.source = "datahub"
    return tables


def load_study(cohort: dict[str, Any], config: dict[str, Any]) -> StudyTables:
    """Read the cohort's study from the configured source (``config`` validated, defaults filled),
    every gene symbol resolved to the current one (:func:`her2cohort.genes.resolve_study`)."""
    tables = _load_study(cohort, config)
    resolved: StudyTables = resolve_study(tables, cohort.get("gene_symbols"))
    return used_panels(resolved, config["gene_panel_dirs"])


def used_panels(tables: StudyTables, panel_dirs: list[str]) -> StudyTables:
    """Keep the definitions of the panels the study's samples use (a shared folder holds others)
    and say which were applied."""
    used_ids = set(tables.profiles["panel_id"].dropna().astype(str))
    panels = tables.gene_panels
    tables.gene_panels = panels[panels["panel_id"].isin(used_ids).to_numpy(bool)].reset_index(
        drop=True
    )
    tables.notes.extend(panel_notes(tables, panel_dirs))
    return tables


def panel_notes(tables: StudyTables, panel_dirs: list[str]) -> list[str]:
    """Which gene panels the study's samples use and whether each has a definition (applied)."""
    notes = [
        f"gene_panel_dirs: {d} is not a folder on this machine; skipped"
        for d in panel_dirs
        if not Path(d).is_dir()
    ]
    used = tables.profiles["panel_id"].dropna().astype(str)
    used = sorted(set(used[used.str.upper() != "NA"]))
    if not used:
        return notes
    sizes = tables.gene_panels.groupby("panel_id")["gene"].nunique()
    applied = [f"{p} ({int(sizes[p])} genes)" for p in used if p in sizes.index]
    if applied:
        notes.append(
            "gene panels applied (a gene off a sample's panel is not profiled there): "
            + ", ".join(applied)
        )
    return notes


def _load_study(cohort: dict[str, Any], config: dict[str, Any]) -> StudyTables:
    study_id = cohort["study_id"]
    source = cohort.get("source", config["source"])
    mirrors, panel_dirs = config["mirrors"], config["gene_panel_dirs"]
    if source == "folder":
        return read_study_folder(locate_study(study_id, mirrors), panel_dirs)
    if source == "api":
        return _from_api(study_id, config)
    if source == "datahub":
        return _from_datahub(study_id, config)
    if source == "auto":
        try:
            folder = locate_study(study_id, mirrors)
        except DataError as exc:
            log.info("%s; trying the API", exc)
        else:
            return read_study_folder(folder, panel_dirs)
        try:
            return _from_api(study_id, config)
        except Exception as exc:  # noqa: BLE001 - any API failure falls back to datahub
            log.warning("API pull of %s failed (%s); trying the datahub tarball", study_id, exc)
            return _from_datahub(study_id, config)
    raise DataError(f"unknown source {source!r} for study {study_id}")
