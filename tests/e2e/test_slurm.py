"""The pipeline on a real single-node SLURM cluster through `--profile profiles/slurm` (issue 7).

The cluster is started by tests/slurm/cluster.sh (Debian packages, root) and stopped again; where
it cannot be started the SLURM tests are skipped with the reason (HER2COHORT_REQUIRE_SLURM=1 turns
that skip into a failure). The fixture study and a broken copy of it (import_study must fail with
the rule and SLURM job named) run under SLURM at the same time; then the fixture study runs locally
with `--profile profiles/local`, the reference the SLURM results must equal.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from e2e.conftest import FIXTURES, REPO, TIMED_OUT, make_workdir, run_snakemake

slurm_mark = pytest.mark.slurm

CLUSTER_SH = REPO / "tests" / "slurm" / "cluster.sh"
PROFILE_SLURM = REPO / "profiles" / "slurm"
PROFILE_LOCAL = REPO / "profiles" / "local"
PARTITION = "debug"  # the partition cluster.sh creates
RUN_TIMEOUT = 480  # seconds for one snakemake run under SLURM
# First status check this many seconds after a submission, then +10 s per check (the plugin's
# back-off); the cluster keeps finished jobs for MinJobAge=600 s >= 3 x this, so squeue sees them.
INIT_SECONDS = 5
STRICT = os.environ.get("HER2COHORT_REQUIRE_SLURM", "") not in ("", "0")


def _cannot_run(reason: str) -> None:
    print(f"\nSLURM integration test not run: {reason}", file=sys.stderr)
    if STRICT:
        pytest.fail(f"HER2COHORT_REQUIRE_SLURM is set but {reason}")
    pytest.skip(reason)


@dataclass
class Cluster:
    dir: Path
    env: dict[str, str]
    start_seconds: float

    def scontrol_job(self, jobid: str) -> dict[str, str]:
        out = subprocess.run(
            ["scontrol", "-o", "show", "job", jobid],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        return dict(re.findall(r"(\w+)=(\S*)", out))


def _cluster_sh(action: str, scratch: Path, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(CLUSTER_SH), action, str(scratch)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Cluster:
    if not hasattr(os, "geteuid") or shutil.which("bash") is None:
        _cannot_run("needs a POSIX system with bash")
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        _cannot_run("snakemake-executor-plugin-slurm is not installed (pip install -e '.[dev]')")
    if os.geteuid() != 0:
        _cannot_run(
            f"not root (uid {os.geteuid()}): SLURM's packages and daemons need root; CI runs as root"
        )
    scratch = tmp_path_factory.mktemp("slurm")
    t0 = time.monotonic()
    try:
        proc = _cluster_sh("start", scratch, timeout=600)
    except subprocess.TimeoutExpired:
        _cluster_sh("stop", scratch, timeout=120)
        _cannot_run("starting SLURM took more than 10 minutes")
    print(proc.stdout, end="")
    if proc.returncode != 0:
        lines = [ln for ln in proc.stdout.splitlines() if "SKIP:" in ln or "ERROR:" in ln]
        reason = (
            re.sub(r"^.*?(SKIP|ERROR): ", "", lines[-1])
            if lines
            else f"cluster.sh start exited {proc.returncode}"
        )
        if proc.returncode != 77:
            print(proc.stderr[-3000:], file=sys.stderr)
            reason = f"SLURM daemons did not come up: {reason}"
        _cluster_sh("stop", scratch, timeout=120)
        _cannot_run(reason)
    env = {**os.environ, "SLURM_CONF": str(scratch / "slurm.conf")}
    try:
        yield Cluster(scratch, env, time.monotonic() - t0)
    finally:
        stop = _cluster_sh("stop", scratch, timeout=120)
        print(stop.stdout, stop.stderr, sep="", end="")
        listed = (
            (scratch / "pids.stopped").read_text().split()
            if (scratch / "pids.stopped").exists()
            else []
        )
        left = [
            f"{name} {pid}"
            for name, pid in zip(listed[::2], listed[1::2], strict=True)
            if _alive(int(pid))
        ]
        assert stop.returncode == 0 and not left, f"SLURM processes left running: {left}"


BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?P<local>local)?rule (?P<rule>\w+):\n(?P<body>(?:(?P=indent)    .*\n)*)",
    re.M,
)
SUBMITTED = re.compile(
    r"^Job \S+ has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.?$", re.M
)


@dataclass(frozen=True)
class Block:
    """One `rule X:` (or `localrule X:`) announcement of a snakemake log, grouped jobs included."""

    rule: str
    wildcards: str
    local: bool

    @property
    def name(self) -> str:
        return f"{self.rule}[{self.wildcards}]" if self.wildcards else self.rule


def parse_blocks(output: str) -> list[Block]:
    blocks = []
    for m in BLOCK.finditer(output):
        wildcards = re.search(r"^\s*wildcards: (.*)$", m.group("body"), re.M)
        blocks.append(
            Block(m.group("rule"), wildcards.group(1) if wildcards else "", bool(m.group("local")))
        )
    return blocks


@dataclass
class Run:
    work: Path
    returncode: int
    output: str
    seconds: float
    blocks: list[Block] = field(default_factory=list)  # the jobs snakemake announced
    submitted: dict[str, Path] = field(default_factory=dict)  # SLURM job id -> its log file


def _broken_study(tmp: Path) -> Path:
    """The fixture study with one sample row twice: import_study fails with a one-line error."""
    study = tmp / "broken" / "mini_brca"
    shutil.copytree(FIXTURES / "cbioportal" / "mini_brca", study)
    path = study / "data_clinical_sample.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[5]]) + "\n")
    return study


def _run_all(
    commands: dict[str, tuple[Path, tuple[str, ...], dict[str, Any]]], logs: Path
) -> dict[str, Run]:
    """Run snakemake in each workdir at the same time (run_snakemake's keyword arguments given per
    run, output merged); each one's output also goes to logs/<name>.log."""

    def one(name: str) -> tuple[subprocess.CompletedProcess[str], float]:
        work, args, kwargs = commands[name]
        t0 = time.monotonic()
        proc = run_snakemake(work, *args, merge_output=True, **kwargs)
        return proc, time.monotonic() - t0

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        ended = dict(zip(commands, pool.map(one, commands), strict=True))
    runs = {}
    for name, (proc, seconds) in ended.items():
        output = proc.stdout
        (logs / f"{name}.log").write_text(output)
        submitted = {jobid: Path(log) for jobid, log in SUBMITTED.findall(output)}
        runs[name] = Run(
            commands[name][0], proc.returncode, output, seconds, parse_blocks(output), submitted
        )
    return runs


@pytest.fixture(scope="module")
def runs(cluster: Cluster, tmp_path_factory) -> dict[str, Run]:
    """The fixture study under SLURM and a broken copy under SLURM (together), then locally."""
    tmp = tmp_path_factory.mktemp("slurm_runs")
    local = make_workdir(tmp / "ok")
    on_slurm = tmp / "ok" / "work_slurm"  # same config, mirror and cohort file as the local run
    shutil.copytree(local, on_slurm)
    broken = make_workdir(tmp / "bad", study=_broken_study(tmp))
    slurm_args = (
        "--slurm-init-seconds-before-status-checks",
        str(INIT_SECONDS),
        "--slurm-keep-successful-logs",
    )
    env = {
        **cluster.env,
        "HER2COHORT_SLURM_PARTITION": PARTITION,
        "HER2COHORT_SLURM_ACCOUNT": "none",
    }
    on_cluster = {"profile": PROFILE_SLURM, "cores": None, "timeout": RUN_TIMEOUT}
    results = _run_all(
        {
            "slurm": (on_slurm, slurm_args, {**on_cluster, "env": env}),
            # no account or partition in the environment: the plugin's fallbacks (default partition)
            "failing": (broken, slurm_args, {**on_cluster, "env": cluster.env}),
        },
        tmp,
    )
    # The reference run comes after: at the same time it would compete with the SLURM jobs for CPUs.
    results |= _run_all({"local": (local, (), {"profile": PROFILE_LOCAL, "cores": None})}, tmp)
    print(
        f"\ncluster start {cluster.start_seconds:.1f} s; pipeline under SLURM {results['slurm'].seconds:.1f} s, "
        f"failing run {results['failing'].seconds:.1f} s (at the same time), local {results['local'].seconds:.1f} s"
    )
    return results


def _tail(run: Run, n: int = 4000) -> str:
    return run.output[-n:]


@pytest.mark.slow
@slurm_mark
def test_every_cluster_job_ran_under_a_slurm_job_id(
    runs: dict[str, Run], cluster: Cluster, capsys
) -> None:
    """Each job snakemake sent away ran inside a SLURM job that SLURM records as COMPLETED.

    The SLURM job's own log (`.snakemake/slurm_logs/.../<jobid>.log`) shows which rules it ran (one,
    or several for a group job); snakemake's log names the SLURM job id of each submission."""
    run = runs["slurm"]
    assert runs["local"].returncode == 0, _tail(runs["local"])
    assert run.returncode == 0, f"snakemake under SLURM exited {run.returncode}:\n{_tail(run)}"
    remote = {b for b in run.blocks if not b.local}
    local = {b for b in run.blocks if b.local}
    assert remote and run.submitted, f"no job was sent to SLURM:\n{_tail(run)}"
    assert "import_study" in {b.rule for b in remote}
    ran_in: dict[Block, str] = {}
    rows = []
    for slurm_id, log in sorted(run.submitted.items(), key=lambda kv: int(kv[0])):
        state = cluster.scontrol_job(slurm_id)
        assert state.get("JobState") == "COMPLETED" and state.get("ExitCode") == "0:0", (
            slurm_id,
            state,
        )
        assert state.get("Partition") == PARTITION, state
        assert log.is_file() and log.name == f"{slurm_id}.log", log
        assert (run.work / ".snakemake" / "slurm_logs") in log.parents, log
        # the job runs its rules locally
        inside = [b for b in parse_blocks(log.read_text()) if b.local]
        assert inside, f"SLURM job {slurm_id}'s log shows no rule:\n{log.read_text()[-2000:]}"
        for b in inside:
            ran_in[Block(b.rule, b.wildcards, False)] = slurm_id
        times = "  ".join(
            f"{k[:-4].lower()} {state.get(k, '?')[11:]}"
            for k in ("SubmitTime", "StartTime", "EndTime")
        )
        rows.append(
            f"  SLURM job {slurm_id:>3}  {state['JobState']}  {times}  {', '.join(b.name for b in inside)}"
        )
    missing = sorted(b.name for b in remote - set(ran_in))
    assert not missing, f"jobs not seen running in any SLURM job: {missing}"
    assert not {Block(b.rule, b.wildcards, False) for b in local} & set(ran_in), (
        "a local rule ran under SLURM"
    )
    with capsys.disabled():
        print(
            f"\n[test_slurm] {len(remote)} jobs ran in {len(run.submitted)} SLURM jobs "
            "(scontrol show job: COMPLETED, exit 0:0):"
        )
        print("\n".join(rows))
        print(
            f"[test_slurm] local (not submitted): {', '.join(sorted(b.name for b in local)) or 'none'}"
        )
        print(
            f"[test_slurm] timings: cluster start {cluster.start_seconds:.1f} s, pipeline under SLURM "
            f"{run.seconds:.1f} s (local {runs['local'].seconds:.1f} s)"
        )


def _normalized_json(path: Path) -> object:
    def strip(obj: object) -> object:
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if not re.search(r"(_at|time|date)$", k)}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj

    return strip(json.loads(path.read_text()))


def _normalized_text(path: Path, work: Path) -> bytes:
    data = path.read_bytes().replace(str(work).encode(), b"<workdir>")
    if path.suffix == ".pdf":
        data = re.sub(rb"/CreationDate \(D:[^)]*\)", b"", data)
    if path.suffix == ".svg":  # matplotlib: a date, and ids hashed with a per-process salt
        data = re.sub(rb"<dc:date>[^<]*</dc:date>", b"", data)
        for n, salted in enumerate(dict.fromkeys(re.findall(rb'id="([a-z]+[0-9a-f]{10})"', data))):
            data = data.replace(salted, b"id%d" % n)
    if path.suffix in (".svg", ".html"):
        data = re.sub(
            rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?", b"<time>", data
        )
    return data


@pytest.mark.slow
@slurm_mark
def test_results_equal_a_local_run(runs: dict[str, Run]) -> None:
    local, on_slurm = runs["local"], runs["slurm"]
    assert local.returncode == 0 and on_slurm.returncode == 0, _tail(on_slurm) + _tail(local)
    mine = sorted(
        p.relative_to(on_slurm.work) for p in (on_slurm.work / "results").rglob("*") if p.is_file()
    )
    theirs = sorted(
        p.relative_to(local.work) for p in (local.work / "results").rglob("*") if p.is_file()
    )
    assert mine == theirs
    assert any(p.suffix == ".parquet" for p in mine) and any(p.suffix == ".tsv" for p in mine)
    different = []
    for rel in mine:
        a, b = on_slurm.work / rel, local.work / rel
        if rel.suffix == ".parquet":
            try:
                pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
            except AssertionError as exc:
                different.append(f"{rel}: {str(exc).splitlines()[0]}")
        elif rel.name == "manifest.json":
            if _normalized_json(a) != _normalized_json(b):
                different.append(str(rel))
        elif _normalized_text(a, on_slurm.work) != _normalized_text(b, local.work):
            different.append(str(rel))
    assert not different, f"results under SLURM differ from the local run: {different}"


@pytest.mark.slow
@slurm_mark
def test_failing_rule_names_rule_and_slurm_job_and_leaves_nothing(
    runs: dict[str, Run], cluster: Cluster
) -> None:
    """A broken study: import_study fails in its SLURM job (each attempt the profile allows), and
    snakemake exits non-zero naming the rule and the SLURM job (its id, or for a group job the
    group and the job's log, which names the rule); no output is left under results/."""
    run = runs["failing"]
    assert run.returncode not in (0, TIMED_OUT), (
        f"exit {run.returncode} ({TIMED_OUT}: timed out):\n{_tail(run)}"
    )
    states = {jobid: cluster.scontrol_job(jobid).get("JobState") for jobid in run.submitted}
    failed = [jobid for jobid, state in states.items() if state == "FAILED"]
    retries = yaml.safe_load((PROFILE_SLURM / "config.yaml").read_text()).get("retries", 0)
    assert len(failed) == 1 + retries, (
        f"SLURM job states {states}, expected {1 + retries} failed:\n{_tail(run)}"
    )
    for jobid in failed:
        slurm_log = run.submitted[jobid]
        named = re.search(
            rf"^\s+log: .*{re.escape(str(slurm_log))}.* \(check log file", run.output, re.M
        )
        assert named, f"the failed SLURM job {jobid}'s log is not named in the error:\n{_tail(run)}"
        text = slurm_log.read_text()
        assert "Error in rule import_study:" in text, text[-2000:]
        error_lines = [ln for ln in text.splitlines() if ln.startswith("her2cohort error:")]
        assert error_lines and "duplicated SAMPLE_ID P1-T1" in error_lines[0], text[-2000:]
        # a group job: the group is named instead of the SLURM job
        if f"SLURM-job '{jobid}' failed" not in run.output:
            assert re.search(r"Error in group \S+", run.output), _tail(run)
        else:
            assert (
                "Error in rule import_study:" in run.output
                and f"external_jobid: {jobid}" in run.output
            )
    left = [str(p) for p in (run.work / "results").rglob("*") if p.is_file()]
    assert not left, f"partial outputs left behind: {left}"


def _dry_run(profile: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The repository's own config (config/config.yaml) under `profile`, nothing run or locked."""
    return run_snakemake(
        REPO,
        "--dry-run",
        "--forceall",
        "--nolock",
        configfile=REPO / "config" / "config.yaml",
        profile=profile,
        cores=None,
        env=env,
        timeout=300,
    )


def test_local_profile_dry_run_on_repo_config() -> None:
    proc = _dry_run(PROFILE_LOCAL)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_slurm_profile_parses_and_takes_account_and_partition_from_env() -> None:
    pytest.importorskip(
        "snakemake_executor_plugin_slurm", reason="snakemake-executor-plugin-slurm not installed"
    )
    env = {
        **os.environ,
        "HER2COHORT_SLURM_ACCOUNT": "acct42",
        "HER2COHORT_SLURM_PARTITION": "short",
    }
    proc = _dry_run(PROFILE_SLURM, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    resources = [
        ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip().startswith("resources:")
    ]
    assert resources and all(
        "slurm_account=acct42" in r and "slurm_partition=short" in r for r in resources
    )
    bare = {k: v for k, v in os.environ.items() if not k.startswith("HER2COHORT_SLURM_")}
    proc = _dry_run(PROFILE_SLURM, bare)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "slurm_account=" not in proc.stdout + proc.stderr
