"""End-to-end snakemake runs on the fixture study, and one-line errors with nothing left behind."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from e2e.conftest import FIXTURES, REPO, SNAKEMAKE, make_workdir, run_snakemake
from her2cohort.io import read_tsv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory) -> Path:
    work = make_workdir(tmp_path_factory.mktemp("e2e"))
    proc = run_snakemake(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_end_to_end_outputs(mini_run: Path) -> None:
    res = mini_run / "results" / "mini_brca"
    ihc = read_tsv(res / "her2" / "ihc_only" / "samples.tsv").set_index("sample_id")
    asco = read_tsv(res / "her2" / "asco_cap_2018" / "samples.tsv").set_index("sample_id")
    designed = ["P1-T1", "P1-T2", "P2-T1", "P3-T1", "P4-T1", "P5-T1", "P6-T1", "P6-T2"]
    assert ihc.loc[designed, "her2_category"].tolist() == [
        "HER2-0",
        "HER2-low",
        "HER2-low",
        "HER2-positive",
        "HER2-low",
        "HER2-low",
        "unknown",
        "HER2-low",
    ]
    assert asco.loc[designed, "her2_category"].tolist() == [
        "HER2-0",
        "HER2-low",
        "HER2-low",
        "HER2-positive",
        "HER2-0",
        "HER2-positive",
        "unknown",
        "unknown",
    ]
    assert asco.loc["P5-T1", "ish_group"] == 1 and asco.loc["P2-T1", "ish_group"] == 5
    assert asco.loc["P5-T1", "ihc_focal"]
    audit = read_tsv(res / "her2" / "ihc_only" / "audit.tsv")
    assert audit.loc[audit["field"] == "her2_ihc", "count"].sum() == 62
    trans = read_tsv(res / "her2" / "transitions.tsv")
    assert set(trans["rule"]) == {"ihc_only", "asco_cap_2018"}
    matrix = pd.read_parquet(res / "alterations" / "matrix.parquet").set_index("sample_id")
    assert matrix.loc["P1-T2", "ESR1_mut"] == 1 and pd.isna(matrix.loc["P6-T1", "ESR1_mut"])
    assert matrix.loc["P5-T1", "FGFR1_2_alt"] == 1 and matrix.loc["P3-T1", "PTEN_alt"] == 1
    table = read_tsv(res / "enrichment" / "ihc_only" / "her2_low_enrichment.tsv")
    assert table.columns[:9].tolist() == [
        "alteration",
        "mechanism",
        "genes",
        "n_altered",
        "n_evaluable",
        "n_her2_0",
        "n_her2_low",
        "n_her2_positive",
        "pct_her2_low",
    ]
    esr1 = table.set_index("alteration").loc["ESR1_mut"]
    assert esr1.n_altered == 1 + sum(1 for i in range(7, 61) if i % 7 == 0)
    manifest = (res / "study" / "manifest.json").read_text()
    assert "mini_brca" in manifest and "sha256" in manifest
    assert (mini_run / "logs" / "harmonize_her2" / "mini_brca.log").is_file()


def test_rerun_is_a_no_op(mini_run: Path) -> None:
    proc = run_snakemake(mini_run, "-n")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


def _error_line(proc: subprocess.CompletedProcess) -> str:
    lines = [
        ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.startswith("her2cohort error:")
    ]
    assert len(lines) >= 1, proc.stderr[-2000:]
    return lines[0]


def test_mapped_column_absent_is_one_line_error(tmp_path: Path) -> None:
    cohort = tmp_path / "mini_brca.yaml"
    text = (FIXTURES / "config" / "cohorts" / "mini_brca.yaml").read_text()
    cohort.write_text(text.replace("her2_ihc: HER2_IHC_SCORE", "her2_ihc: HER2_IHC_SCORE_SEQ"))
    work = make_workdir(tmp_path, cohort_file=cohort)
    proc = run_snakemake(work)
    assert proc.returncode != 0
    line = _error_line(proc)
    assert "sample_fields.her2_ihc maps to column 'HER2_IHC_SCORE_SEQ'" in line
    assert "data_clinical_sample.txt does not have" in line
    assert not (work / "results" / "mini_brca" / "clinical").exists() or not any(
        (work / "results" / "mini_brca" / "clinical").iterdir()
    )


def test_reader_error_leaves_nothing(tmp_path: Path) -> None:
    study = tmp_path / "broken" / "mini_brca"
    shutil.copytree(FIXTURES / "cbioportal" / "mini_brca", study)
    path = study / "data_clinical_sample.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[5]]) + "\n")
    work = make_workdir(tmp_path, study=study)
    proc = run_snakemake(work)
    assert proc.returncode != 0
    assert "duplicated SAMPLE_ID P1-T1" in _error_line(proc)
    study_out = work / "results" / "mini_brca" / "study"
    assert not study_out.exists() or not any(study_out.iterdir())


def test_invalid_config_is_one_line(tmp_path: Path) -> None:
    work = make_workdir(tmp_path)
    # her2.zero_one_plus maps rule set -> assignment (since the schemas moved to the package)
    proc = run_snakemake(work, config={"her2": {"zero_one_plus": {"asco_cap_2018": "maybe"}}})
    her2 = yaml.safe_load((work / "config.yaml").read_text())["her2"]
    assert her2["zero_one_plus"] == {"ihc_only": "low", "asco_cap_2018": "maybe"}
    assert proc.returncode != 0
    assert (
        "her2cohort configuration error: config/config.yaml: her2/zero_one_plus/asco_cap_2018: "
        "'maybe' is not one of" in (proc.stderr + proc.stdout)
    )


def test_files_and_settings_the_import_reads_are_its_inputs(mini_run: Path, tmp_path: Path) -> None:
    """Panel files added after a run, a panel folder setting, a case list edit: the import reruns
    (no stale 'every gene profiled')."""
    fresh = run_snakemake(mini_run, "-n", "results/mini_brca/study/manifest.json")
    assert "Nothing to be done" in fresh.stdout + fresh.stderr
    panels = tmp_path / "panels"
    panels.mkdir()
    (panels / "data_gene_panel_extra.txt").write_text("stable_id: EXTRA\ngene_list: ESR1\tMYC\n")
    proc = run_snakemake(
        mini_run,
        "-n",
        "results/mini_brca/study/manifest.json",
        "--config",
        f"gene_panel_dirs=['{panels}']",
    )
    assert "import_study" in proc.stdout, proc.stdout[-2000:]
    case_list = next((mini_run.parent / "mirror" / "mini_brca" / "case_lists").glob("*.txt"))
    original = case_list.read_text()
    case_list.write_text(original + "\n")  # an edit (a bare touch: same checksum, no rerun)
    proc = run_snakemake(mini_run, "-n", "results/mini_brca/study/manifest.json")
    case_list.write_text(original)  # the module's other tests share this run
    assert "import_study" in proc.stdout, proc.stdout[-2000:]


def test_target_of_an_unconfigured_cohort_is_one_line(tmp_path: Path) -> None:
    work = make_workdir(tmp_path)
    proc = run_snakemake(work, "-n", "results/brca_tcga_x/her2/summary.tsv")
    assert proc.returncode != 0
    lines = [x for x in (proc.stderr + proc.stdout).splitlines() if "her2cohort" in x]
    assert lines == [
        "her2cohort configuration error: cohort 'brca_tcga_x' is not in `cohorts` (mini_brca): "
        "add it there (config/config.yaml or --config cohorts='[mini_brca, brca_tcga_x]') and "
        f"write {work / 'cohorts'}/brca_tcga_x.yaml"
    ]
    assert "Traceback" not in proc.stderr


def test_interrupted_run_recovers_with_the_make_command(tmp_path: Path) -> None:
    """After Ctrl-C mid-run, the command `make run` uses (--rerun-incomplete) finishes the run."""
    import signal
    import time

    makefile = (REPO / "Makefile").read_text()
    assert "--rerun-incomplete" in makefile.split("SNAKEMAKE :=")[1].splitlines()[0]
    work = make_workdir(tmp_path)
    cmd = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", str(work / "config.yaml"), "--cores", "1"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    incomplete = work / ".snakemake" / "incomplete"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(incomplete.glob("*")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    again = run_snakemake(work, "--rerun-incomplete")
    assert again.returncode == 0, again.stderr[-2000:]
    assert (work / "results" / "summary" / "summary.html").is_file()


CAPTION_PHRASES = {
    "her2_composition.rst": "Bars are percentages of all samples",
    "her2_transitions.rst": "Cells give n and the row percentage",
    "enrichment_share.rst": "Error bars are Wilson 95% intervals",
    "enrichment_forest.rst": "Mantel-Haenszel odds ratio stratified by HR status",
    "oncoprint.rst": "sorted by HER2 category under the default rule set",
    "summary_caption.rst": "One-page summary of the run",
    "provenance_caption.rst": "Where every number came from",
    "survival_km.rst": "each curve stops when fewer than 10 patients remain at risk",
    "enrichment_volcano.rst": "Every gene, not only the configured rows",
    "claims_forest.rst": "The evidence table",
    "survival_forest.rst": "Cox proportional-hazards models (Efron ties)",
    "survival_claims.rst": "Each configured claim about survival",
}


def test_report_contains_every_figure_and_caption(mini_run: Path) -> None:
    report = mini_run / "results" / "report.html"
    proc = run_snakemake(mini_run, "--report", str(report))
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = report.read_text()
    figures = sorted(p.name for p in (mini_run / "results" / "mini_brca" / "figures").glob("*.png"))
    assert len(figures) >= 11  # HER2 2, enrichment 4, oncoprint, survival 2 x 2 analyses
    for name in figures:
        assert name in html, name
    for rst, phrase in CAPTION_PHRASES.items():
        assert phrase in (REPO / "workflow" / "report" / rst).read_text(), rst
        assert phrase in html, rst
    assert "summary.html" in html and "provenance.html" in html


def test_survival_stage_on_fixture(mini_run: Path) -> None:
    surv = mini_run / "results" / "mini_brca" / "survival"
    cox = read_tsv(surv / "her2_all" / "cox.tsv")
    assert cox.columns.tolist()[:9] == [
        "term",
        "hr",
        "ci_low",
        "ci_high",
        "p",
        "n",
        "events",
        "model",
        "truncation",
    ]
    assert set(cox["truncation"]) == {"none", "left"}
    data = read_tsv(surv / "her2_all" / "data.tsv")
    assert data["patient_id"].is_unique and (data["entry"] >= 0).all()
    # P1 has a HER2-0 primary on both samples; P3's primary is 3+ -> HER2-positive
    groups = data.set_index("patient_id")["group"]
    assert groups["P1"] == "HER2-0" and groups["P3"] == "HER2-positive"
    claims = read_tsv(surv / "claims.tsv")
    judged = claims[~claims["role"].astype(str).str.startswith("naive")]
    assert (
        judged["verdict"].isin(["supported", "contradicted", "inconclusive", "not testable"]).all()
    )
    for name in ("km_curves.tsv", "ph_test.tsv", "logrank.tsv", "km.tsv"):
        assert (surv / "her2_all" / name).is_file(), name
    figures = surv.parent / "figures"
    for kind in ("km", "forest"):
        for ext in ("png", "svg"):
            assert (figures / f"survival_her2_all_{kind}.{ext}").is_file(), (kind, ext)
    # each figure is written once: no copies beside the survival tables
    assert not list(surv.glob("*/*.png"))


#: the message a figure draws instead of a plot of an empty table (per figure stem prefix)
EMPTY_MESSAGES = (
    "cannot be derived",
    "could be computed",
    "no gene has an odds ratio",
    "no claim has an estimate",
    "nothing to draw",
    "not fitted",
)


def _svg_says_why(svg: Path) -> bool:
    text = svg.read_text()
    return any(m in text for m in EMPTY_MESSAGES)


def test_report_as_a_reader_sees_it(mini_run: Path) -> None:
    """No figure of an empty table; all 16 published rows with their match status; no verdict on a
    naive survival row; no internal analysis id in the summary or in any caption template."""
    results = mini_run / "results"
    figures = results / "mini_brca" / "figures"
    # an empty genes table draws a message, a non-empty one a plot
    for rule in ("ihc_only", "asco_cap_2018"):
        genes = read_tsv(results / "mini_brca" / "enrichment" / rule / "genes.tsv")
        has_or = genes["odds_ratio"].notna().any() if len(genes) else False
        assert _svg_says_why(figures / f"enrichment_volcano_{rule}.svg") != has_or, rule
        enrichment = read_tsv(
            results / "mini_brca" / "enrichment" / rule / "her2_low_enrichment.tsv"
        )
        computed = enrichment["status"].astype(str).str.startswith("computed").any()
        assert _svg_says_why(figures / f"enrichment_forest_{rule}.svg") != computed, rule
    transitions = read_tsv(results / "mini_brca" / "her2" / "transitions.tsv")
    paired = len(transitions) > 0 and transitions.select_dtypes("number").to_numpy().sum() > 0
    assert _svg_says_why(figures / "her2_transitions.svg") != paired
    claims = read_tsv(results / "claims.tsv")
    assert _svg_says_why(results / "claims_forest.svg") != claims["estimate"].notna().any()

    summary = (results / "summary" / "summary.html").read_text()
    text = re.sub(r"<[^>]+>", " ", summary)
    # all 16 published rows, each with its match status
    published = read_tsv(FIXTURES / "config" / "published_mini.tsv")
    comparison = read_tsv(results / "mini_brca" / "enrichment" / "published_comparison.tsv")
    comparison = comparison[comparison["alteration"].isin(published["alteration"])]
    assert len(comparison) == 16
    for row in comparison.itertuples():
        assert re.search(rf"{row.alteration}\s+.*?\b(yes|no)\b", text, re.S), row.alteration
    assert set(published["alteration"]) == set(comparison["alteration"])
    # naive survival rows are shown for contrast, never judged
    surv = read_tsv(results / "mini_brca" / "survival" / "claims.tsv")
    role = (
        surv["role"] if "role" in surv else surv["primary"].map({True: "primary", False: "naive"})
    )
    naive = surv[role.astype(str).str.startswith("naive")]
    assert (
        len(naive)
        and not naive["verdict"].isin(["supported", "contradicted", "inconclusive"]).any()
    )
    assert "not judged" in text
    # analysis ids never reach a reader: not in the summary, not in a caption template
    ids = yaml.safe_load((FIXTURES / "config" / "cohorts" / "mini_brca.yaml").read_text())[
        "survival"
    ]["analyses"]
    for analysis in ids:
        assert analysis not in text, analysis
    assert "__" not in text
    for caption in (REPO / "workflow" / "report").glob("*.rst"):
        assert "wildcards.analysis" not in caption.read_text(), caption.name
