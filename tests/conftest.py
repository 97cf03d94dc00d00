"""Shared test fixtures: where the real studies are, and canonical tables built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "cbioportal"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_study(study_id: str) -> Path:
    path = SHARED / study_id
    if not (path / "meta_study.txt").is_file():
        pytest.skip(f"real study {study_id} not found at {path} (../shared/cbioportal absent)")
    return path


@pytest.fixture(scope="session")
def msk_tables():
    from her2cohort.source import read_study_folder

    return read_study_folder(shared_study("breast_msk_2018"))


@pytest.fixture(scope="session")
def metabric_tables():
    from her2cohort.source import read_study_folder

    return read_study_folder(shared_study("brca_metabric"))


@pytest.fixture(scope="session")
def config():
    from her2cohort.config import load_yaml

    return load_yaml(REPO / "config" / "config.yaml")


def _clinical(config, tables, name):
    from her2cohort.clinical import build_clinical
    from her2cohort.config import load_cohort

    cohort = load_cohort({**config, "cohort_dir": str(REPO / "config" / "cohorts")}, name)
    return build_clinical(cohort, tables.samples, tables.patients)


@pytest.fixture(scope="session")
def msk_clinical(config, msk_tables):
    return _clinical(config, msk_tables, "breast_msk_2018")[0]


@pytest.fixture(scope="session")
def metabric_clinical(config, metabric_tables):
    return _clinical(config, metabric_tables, "brca_metabric")[0]


@pytest.fixture(scope="session")
def msk_imported():
    """breast_msk_2018 as the pipeline imports it: the shared MSK-IMPACT panels applied, every
    gene symbol resolved (her2cohort.source.load.load_study)."""
    from her2cohort.config import load_cohort, load_yaml, validate
    from her2cohort.source.load import load_study

    shared_study("breast_msk_2018")
    cfg = validate(load_yaml(REPO / "config" / "config.yaml"), "config", "config.yaml")
    cfg = {
        **cfg,
        "mirrors": [str(SHARED)],
        "gene_panel_dirs": [str(SHARED / "gene_panels")],
        "cohort_dir": str(REPO / "config" / "cohorts"),
    }
    return load_study(load_cohort(cfg, "breast_msk_2018"), cfg)
