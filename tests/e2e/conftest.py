"""Shared helpers of the end-to-end tests: one way to run snakemake, one fixture-study workdir.

`run_snakemake` is the only place that builds a snakemake command line; the pipeline, API-pipeline
and SLURM tests all go through it. It is a plain function (import it from `e2e.conftest`) so that
module-scoped fixtures and the SLURM test's concurrent runs can call it too.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SNAKEMAKE = Path(sys.executable).absolute().parent / "snakemake"  # cwd changes per run
#: the return code of a run that hit its timeout (as coreutils `timeout` reports it)
TIMED_OUT = 124


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `overrides` applied: a dict value is merged key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def write_config(work: Path, overrides: Mapping[str, Any]) -> Path:
    """Apply `overrides` to work/config.yaml (made from config/config.yaml when absent)."""
    path = work / "config.yaml"
    base = path if path.is_file() else REPO / "config" / "config.yaml"
    config = _merge(yaml.safe_load(base.read_text()), overrides)
    work.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return path


def run_snakemake(
    work: Path,
    *args: str,
    config: Mapping[str, Any] | None = None,
    configfile: Path | None = None,
    profile: Path | None = None,
    cores: int | None = 2,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    merge_output: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run the repository's Snakefile in `work` and return the finished process, output captured.

    work: the working directory (`--directory`, and the process's cwd).
    args: targets and extra snakemake options (e.g. "-n", "--report", path).
    config: overrides applied to work/config.yaml first (see `write_config`); dicts merge per key.
    configfile: the config file to pass (default work/config.yaml).
    profile: passed as `--profile`; cores: `--cores` unless None (e.g. when the profile sets it).
    env: the whole environment of the process (default: this process's environment).
    timeout: seconds; then snakemake gets SIGTERM (SIGKILL 60 s later) and the result has
        return code TIMED_OUT (124) with a note at the end of its output.
    merge_output: stderr into stdout (one interleaved log, `stderr` is empty).
    """
    if config is not None:
        write_config(work, config)
    cmd = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(work),
        "--configfile",
        str(configfile or work / "config.yaml"),
    ]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    if cores is not None:
        cmd += ["--cores", str(cores)]
    cmd += list(args)
    proc = subprocess.Popen(
        cmd,
        cwd=work,
        env=dict(os.environ if env is None else env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        returncode = proc.returncode
    except subprocess.TimeoutExpired:
        proc.terminate()  # snakemake cancels its (cluster) jobs on SIGTERM
        try:
            stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        returncode = TIMED_OUT
        note = f"\n[run_snakemake] timed out after {timeout:g} s: {' '.join(cmd)}\n"
        stdout = (stdout or "") + (note if merge_output else "")
        stderr = (stderr or "") + ("" if merge_output else note)
    return subprocess.CompletedProcess(cmd, returncode, stdout or "", stderr or "")


def make_workdir(tmp: Path, cohort_file: Path | None = None, study: Path | None = None) -> Path:
    """A working directory with a config that runs only the fixture cohort (or `study` instead)."""
    work = tmp / "work"
    (work / "cohorts").mkdir(parents=True)
    mirror = tmp / "mirror"
    shutil.copytree(study or FIXTURES / "cbioportal" / "mini_brca", mirror / "mini_brca")
    shutil.copy(cohort_file or FIXTURES / "config" / "cohorts" / "mini_brca.yaml", work / "cohorts")
    write_config(
        work,
        {
            "cohorts": ["mini_brca"],
            "cohort_dir": str(work / "cohorts"),
            "mirrors": [str(mirror)],
            "alterations": str(REPO / "config" / "alterations.yaml"),
            # the published table's 16 rows under the fixture's study id (counts scaled down), so
            # the report shows a full replication table
            "published_table": str(FIXTURES / "config" / "published_mini.tsv"),
            "claims": str(REPO / "config" / "claims.yaml"),
        },
    )
    return work
