"""Whole-pipeline benchmark: the real DAG on a synthetic GENIE-like study of N samples.

Generates (or reuses) a study with benchmarks/make_study.py, writes a work directory whose
config.yaml is config/config.yaml with one cohort (a copy of config/cohorts/breast_msk_2018.yaml
with only study_id changed), runs the whole default target

    snakemake --snakefile <repo>/Snakefile --directory <work>/run --configfile <work>/run/config.yaml

from scratch, and prints the wall time and, per rule, from Snakemake's benchmark files
(logs/benchmarks/**.tsv): jobs, max and summed wall seconds, max peak RSS. Then it runs Snakemake
again with nothing changed and prints how long that no-op run takes and whether it ran any job.
Prints figures only; asserts nothing.

    .venv/bin/python benchmarks/bench_dag.py --samples 20000 --json /tmp/dag_20k.json
    .venv/bin/python benchmarks/bench_dag.py --compare /tmp/dag_2k.json /tmp/dag_20k.json

Layout of --work DIR: study/<study_id>/ (the mirror; reused when complete) and run/ (Snakemake's
working directory: config.yaml, cohorts/, results/, logs/, snakemake*.log). run/ is emptied before
each run. At the end run/ is removed unless --keep; without --work, everything is in a temporary
folder that is removed unless --keep.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_study import make_study  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEMPLATE_COHORT = "breast_msk_2018"


def write_work(run: Path, mirror: Path, study_id: str) -> Path:
    """run/config.yaml and run/cohorts/<study_id>.yaml; returns the config path."""
    (run / "cohorts").mkdir(parents=True)
    cohort = (REPO / "config" / "cohorts" / f"{TEMPLATE_COHORT}.yaml").read_text()
    cohort, n = re.subn(r"(?m)^study_id:.*$", f"study_id: {study_id}", cohort, count=1)
    if n != 1:
        sys.exit(f"no study_id line in config/cohorts/{TEMPLATE_COHORT}.yaml")
    (run / "cohorts" / f"{study_id}.yaml").write_text(cohort)
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["cohorts"] = [study_id]
    config["cohort_dir"] = str(run / "cohorts")
    config["mirrors"] = [str(mirror)]
    for key in ("alterations", "published_table", "claims"):
        config[key] = str((REPO / config[key]).resolve())
    config["gene_panel_dirs"] = [str((REPO / d).resolve()) for d in config["gene_panel_dirs"]]
    path = run / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake(run: Path, config: Path, cores: int, log: Path, extra: list[str]) -> dict:
    """Run the whole default target; returns wall seconds, exit code and the jobs it ran."""
    exe = Path(sys.executable).parent / "snakemake"
    cmd = [
        str(exe if exe.exists() else "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(run),
        "--configfile",
        str(config),
        "--cores",
        str(cores),
        *extra,
    ]
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=run).returncode
    wall = time.perf_counter() - t0
    text = log.read_text(errors="replace")
    # jobs started, the target rule `all` (no benchmark file) not counted
    jobs = [j for j in re.findall(r"(?m)^\s*(?:local)?rule (\w+):\s*$", text) if j != "all"]
    return {
        "wall_s": wall,
        "returncode": rc,
        "jobs": len(jobs),
        "nothing_to_do": "Nothing to be done" in text,
        "failures": failures(text, run),
    }


def failures(text: str, run: Path) -> list[dict[str, str]]:
    """Each 'Error in rule X:' block: the rule, its log file and the log's last line."""
    out = []
    for block in re.split(r"(?m)^Error in rule ", text)[1:]:
        rule = block.split(":", 1)[0].strip()
        m = re.search(r"(?m)^\s*log:\s*(\S+)", block)
        logfile = m.group(1) if m else ""
        last = ""
        path = run / logfile if logfile else None
        if path is not None and path.is_file():
            lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
            last = lines[-1] if lines else "(empty log)"
        out.append({"rule": rule, "log": logfile, "error": last})
    return out


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return math.nan


def read_benchmarks(run: Path) -> dict[str, dict[str, float]]:
    """Per rule (the folder under logs/benchmarks): jobs, max/sum wall s, max peak RSS MB."""
    rules: dict[str, dict[str, float]] = {}
    root = run / "logs" / "benchmarks"
    for path in sorted(root.rglob("*.tsv")):
        rule = path.relative_to(root).parts[0]
        lines = path.read_text().splitlines()
        if len(lines) < 2:
            continue
        head = lines[0].split("\t")
        row = dict(zip(head, lines[-1].split("\t"), strict=False))
        s, rss = _number(row.get("s", "")), _number(row.get("max_rss", ""))
        r = rules.setdefault(rule, {"jobs": 0, "max_s": 0.0, "sum_s": 0.0, "max_rss_mb": 0.0})
        r["jobs"] += 1
        r["max_s"] = max(r["max_s"], s)
        r["sum_s"] += s
        if not math.isnan(rss):
            r["max_rss_mb"] = max(r["max_rss_mb"], rss)
    return rules


def print_rules(rules: dict[str, dict[str, float]]) -> None:
    print(f"{'rule':<22}{'jobs':>5}{'max s':>9}{'sum s':>9}{'max RSS MB':>12}")
    for name, r in sorted(rules.items(), key=lambda kv: -kv[1]["sum_s"]):
        print(
            f"{name:<22}{r['jobs']:>5}{r['max_s']:>9.1f}{r['sum_s']:>9.1f}{r['max_rss_mb']:>12.0f}"
        )
    total = sum(r["sum_s"] for r in rules.values())
    print(f"{'(all jobs)':<22}{sum(r['jobs'] for r in rules.values()):>5}{'':>9}{total:>9.1f}")


def compare(a_path: Path, b_path: Path) -> None:
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())

    def ratio(x: float, y: float) -> str:
        return f"{y / x:.1f}x" if x and not math.isnan(x) and not math.isnan(y) else "-"

    print(
        f"A: {a['samples']:,} samples ({a_path.name}); B: {b['samples']:,} samples "
        f"({b_path.name}); samples ratio {b['samples'] / a['samples']:.1f}x"
    )
    print(
        f"whole DAG: {a['run']['wall_s']:.1f} s -> {b['run']['wall_s']:.1f} s "
        f"({ratio(a['run']['wall_s'], b['run']['wall_s'])}); no-op rerun "
        f"{a['noop']['wall_s']:.1f} s -> {b['noop']['wall_s']:.1f} s"
    )
    head = (
        f"{'rule':<22}{'sum s A':>9}{'sum s B':>9}{'ratio':>7}{'RSS A':>8}{'RSS B':>8}{'ratio':>7}"
    )
    print(head)
    empty = {"sum_s": math.nan, "max_rss_mb": math.nan}
    names = sorted(
        set(a["rules"]) | set(b["rules"]), key=lambda n: -b["rules"].get(n, empty)["sum_s"]
    )
    for name in names:
        ra, rb = a["rules"].get(name, empty), b["rules"].get(name, empty)
        print(
            f"{name:<22}{ra['sum_s']:>9.1f}{rb['sum_s']:>9.1f}{ratio(ra['sum_s'], rb['sum_s']):>7}"
            f"{ra['max_rss_mb']:>8.0f}{rb['max_rss_mb']:>8.0f}"
            f"{ratio(ra['max_rss_mb'], rb['max_rss_mb']):>7}"
        )


def code_version() -> dict:
    """The commit the DAG ran on, whether src/ or workflow/ had uncommitted edits, the load."""

    def git(*a: str) -> str:
        r = subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True)
        return r.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--", "src", "workflow", "Snakefile")),
        "loadavg_1min": os.getloadavg()[0],
    }


def study_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--samples", type=int)
    ap.add_argument("--work", type=Path, help="work folder (the study in it is reused)")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep results, logs and the study")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--genes", type=int, default=500)
    ap.add_argument("--keep-going", action="store_true", help="pass --keep-going to snakemake")
    ap.add_argument("--json", type=Path, help="save the measurements here")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("A.json", "B.json"))
    args = ap.parse_args(argv)
    if args.compare:
        compare(*args.compare)
        return
    if not args.samples:
        ap.error("--samples is required (or --compare A.json B.json)")

    temporary = args.work is None
    work = Path(tempfile.mkdtemp(prefix="her2cohort_bench_")) if temporary else args.work
    work = work.resolve()
    study_id = f"genie_like_{args.samples}"
    mirror = work / "study"
    folder = mirror / study_id
    out: dict = {"samples": args.samples, "study_id": study_id, "cores": args.cores}
    if (folder / "meta_study.txt").is_file():
        print(f"study: reusing {folder}")
        out["generate_s"] = None
    else:
        mirror.mkdir(parents=True, exist_ok=True)
        info = make_study(folder, args.samples, args.seed, args.genes)
        out["generate_s"] = info["seconds"]
        out["study"] = info
        print(
            f"study: generated {folder} in {info['seconds']:.1f} s: {info['patients']:,} patients, "
            f"{info['genes']} genes, {info['mutations']:,} MAF records, "
            f"{info['cna_nonzero']:,} non-zero CNA cells"
        )
    out["study_bytes"] = study_size(folder)
    print(f"study size on disk: {out['study_bytes'] / 1e6:.1f} MB")

    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    config = write_work(run, mirror, study_id)
    extra = ["--keep-going"] if args.keep_going else []
    out["code"] = code_version()
    print(
        f"running the whole DAG in {run} with --cores {args.cores} (commit {out['code']['commit']}"
        f"{', src/workflow edited' if out['code']['dirty'] else ''}; load average "
        f"{out['code']['loadavg_1min']:.1f}) ...",
        flush=True,
    )
    first = snakemake(run, config, args.cores, run / "snakemake.log", extra)
    out["run"] = first
    out["rules"] = read_benchmarks(run)
    status = "ok" if first["returncode"] == 0 else f"FAILED (exit {first['returncode']})"
    print(f"\nwhole DAG: {first['wall_s']:.1f} s wall, {first['jobs']} jobs, {status}")
    for f in first["failures"]:
        print(f"  failed rule {f['rule']} ({f['log']}): {f['error']}")
    print_rules(out["rules"])

    second = snakemake(run, config, args.cores, run / "snakemake_noop.log", extra)
    out["noop"] = second
    did = "no job" if second["jobs"] == 0 else f"{second['jobs']} job(s)"
    print(
        f"\nno-op rerun: {second['wall_s']:.1f} s, ran {did}"
        f"{' (Nothing to be done)' if second['nothing_to_do'] else ''}, exit {second['returncode']}"
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
        print(f"measurements saved to {args.json}")

    if args.keep:
        print(f"kept {work}")
    elif temporary:
        shutil.rmtree(work, ignore_errors=True)
    else:
        shutil.rmtree(run, ignore_errors=True)
        print(f"kept the study in {folder} (for reuse); removed {run}")


if __name__ == "__main__":
    main()
