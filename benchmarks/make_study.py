"""Write a synthetic cBioPortal study shaped like breast_msk_2018, at any number of samples.

Everything is resampled from the real study (``--source``, default the offline mirror's
breast_msk_2018), so every value a reader or the HER2 grammar sees is a real one:

- patients and samples: about ``--patients-per-sample`` (0.6) patients per sample; each synthetic
  patient copies the patient-level row of one real patient, and each of its samples copies the
  row of one of that real patient's own samples (so diagnosis, sequencing and survival times stay
  coherent within a patient); new unique ids ``SYN-0000001`` / ``SYN-0000001-T01-IM6`` (the IM
  suffix follows the sample's panel, as in MSK ids);
- genes: the real CNA matrix genes, truncated to ``--genes`` (the most often altered kept) or
  padded with real MAF genes (breast_msk_2018's, then METABRIC's, then TCGA's, by frequency);
  a padded gene has no CNA or mutation calls in breast_msk_2018, so it has none here;
- discrete CNA (genes x samples): per gene, -2 / -1.5 / 2 drawn with the gene's real frequencies,
  else 0 (numpy draws, one string join per gene row);
- MAF: per gene, Poisson(real records per sample x samples) records, each a copy of one real
  record of that gene (Variant_Classification, protein change, position, Mutation_Status) on a
  random sample; only the columns the folder reader uses;
- fusions: each synthetic sample carries the fusion rows of its real source sample;
- gene panel matrix: the source sample's row (IMPACT341/410/468), with the real file's CR endings;
- meta files and case lists copied with the study id (= the output folder's name) and the sample
  ids replaced.

    .venv/bin/python benchmarks/make_study.py --samples 20000 --out /tmp/x/genie_like_20000

The study is written to a temporary sibling folder and renamed at the end, so a folder holding
``meta_study.txt`` is always complete. Prints what it wrote and how long it took.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

MIRROR = Path("/work/shared/cbioportal")
SOURCE = MIRROR / "breast_msk_2018"
#: real MAFs whose genes pad the gene list, after the source's own MAF
PAD_MAFS = [
    MIRROR / "brca_metabric" / "data_mutations_extended.txt",
    MIRROR / "brca_tcga_mc3" / "data_mutations.txt",
]
#: MAF columns the folder reader uses (her2cohort.source.folder.MAF_COLUMNS)
MAF_USED = [
    "Hugo_Symbol",
    "Entrez_Gene_Id",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
    "Mutation_Status",
    "HGVSp_Short",
]
#: discrete CNA codes: index = how many cumulative thresholds a uniform draw falls under
CNA_CODES = ["0", "2", "-2", "-1.5"]
PANEL_SUFFIX = {"IMPACT341": "IM3", "IMPACT410": "IM5", "IMPACT468": "IM6"}


@dataclass
class Table:
    """A real tab-separated file: its '#' rows, its table (all strings) and its line ending."""

    comments: list[str]
    frame: pl.DataFrame
    newline: str


def read_table(path: Path, columns: list[str] | None = None) -> Table:
    raw = path.read_bytes()
    newline = "\r" if b"\r" in raw and b"\n" not in raw else "\n"
    text = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    comments = []
    start = 0
    while text.startswith(b"#", start):
        end = text.index(b"\n", start)
        comments.append(text[start:end].decode())
        start = end + 1
    frame = pl.read_csv(
        io.BytesIO(text[start:]),
        separator="\t",
        infer_schema=False,
        quote_char=None,
        columns=columns,
    )
    return Table(comments, frame, newline)


def write_table(path: Path, table: Table) -> None:
    with open(path, "wb") as fh:
        for line in table.comments:
            fh.write((line + table.newline).encode())
        table.frame.write_csv(
            fh, separator="\t", quote_style="never", null_value="", line_terminator=table.newline
        )


def read_meta(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def write_meta(path: Path, meta: dict[str, str]) -> None:
    path.write_text("".join(f"{k}: {v}\n" for k, v in meta.items()))


# ----------------------------------------------------------------------------- samples, patients
@dataclass
class Cohort:
    """Synthetic samples and patients and the real rows they copy."""

    sample_ids: np.ndarray  # object array of str, one per synthetic sample
    patient_ids: np.ndarray  # one per synthetic patient
    sample_patient: np.ndarray  # synthetic patient index of each sample
    source_sample: np.ndarray  # real sample row of each synthetic sample
    source_patient: np.ndarray  # real patient row of each synthetic patient


def make_cohort(
    samples: pl.DataFrame,
    patients: pl.DataFrame,
    panels: pl.DataFrame,
    n: int,
    per_sample: float,
    rng: np.random.Generator,
) -> Cohort:
    n_pat = min(n, max(1, round(per_sample * n)))
    real_pat = patients.get_column("PATIENT_ID").to_numpy()
    # real samples grouped by their patient (only patients with samples can be drawn)
    s_pat = samples.get_column("PATIENT_ID").to_numpy()
    order = np.argsort(s_pat, kind="stable")
    groups, starts, counts = np.unique(s_pat[order], return_index=True, return_counts=True)
    pat_row = {p: i for i, p in enumerate(real_pat)}
    drawable_grp = np.array([i for i, g in enumerate(groups) if g in pat_row])
    draw = drawable_grp[rng.integers(0, len(drawable_grp), n_pat)]
    source_patient = np.array([pat_row.get(g, -1) for g in groups])[draw]
    grp = draw
    # one sample each, the rest spread at random: some patients get several
    n_samples = 1 + np.bincount(rng.integers(0, n_pat, n - n_pat), minlength=n_pat)
    sample_patient = np.repeat(np.arange(n_pat), n_samples)
    first = np.repeat(np.cumsum(n_samples) - n_samples, n_samples)
    rank = np.arange(n) - first
    # the k-th sample of a patient copies its real patient's samples in turn, from a random one
    shift = rng.integers(0, 1 << 30, n_pat) % counts[grp]
    g = grp[sample_patient]
    source_sample = order[starts[g] + (rank + shift[sample_patient]) % counts[g]]

    panel_of = dict(
        zip(panels.get_column("SAMPLE_ID"), panels.get_column(panels.columns[1]), strict=True)
    )
    real_sid = samples.get_column("SAMPLE_ID").to_list()
    suffix = [PANEL_SUFFIX.get(panel_of.get(s, ""), "IM6") for s in real_sid]
    patient_ids = np.array([f"SYN-{i + 1:07d}" for i in range(n_pat)], dtype=object)
    sample_ids = np.array(
        [
            f"{patient_ids[p]}-T{r + 1:02d}-{suffix[s]}"
            for p, r, s in zip(sample_patient, rank, source_sample, strict=True)
        ],
        dtype=object,
    )
    return Cohort(sample_ids, patient_ids, sample_patient, source_sample, source_patient)


# ---------------------------------------------------------------------------------------- genes
def pad_genes(known: set[str], source_maf: pl.DataFrame, need: int) -> list[str]:
    """Real MAF genes not in `known`, by mutation count: the source's MAF first, then PAD_MAFS."""
    out: list[str] = []
    seen = set(known)
    mafs = [source_maf.select("Hugo_Symbol"), *PAD_MAFS]
    for maf in mafs:
        if len(out) >= need:
            break
        if isinstance(maf, Path):
            if not maf.is_file():
                continue
            maf = read_table(maf, ["Hugo_Symbol"]).frame
        counts = maf.get_column("Hugo_Symbol").drop_nulls().value_counts(sort=True)
        for gene in counts.get_column("Hugo_Symbol").to_list():
            if gene not in seen and len(out) < need:
                seen.add(gene)
                out.append(gene)
    return out


def choose_genes(cna: pl.DataFrame, maf: pl.DataFrame, n_genes: int) -> list[str]:
    genes = cna.get_column("Hugo_Symbol").to_list()
    if n_genes >= len(genes):
        return genes + pad_genes(set(genes), maf, n_genes - len(genes))
    # keep the most often altered genes, in the matrix's order
    cells = cna.select(pl.exclude("Hugo_Symbol"))
    altered = (cells.to_numpy() != "0").sum(axis=1)
    mutated = dict(maf.get_column("Hugo_Symbol").value_counts().iter_rows())
    score = altered + np.array([mutated.get(g, 0) for g in genes])
    keep = set(np.argsort(-score, kind="stable")[:n_genes])
    return [g for i, g in enumerate(genes) if i in keep]


# ------------------------------------------------------------------------------------------ CNA
def cna_frequencies(cna: pl.DataFrame, genes: list[str]) -> np.ndarray:
    """genes x 3 cumulative thresholds: P(-1.5), P(-1.5 or -2), P(-1.5, -2 or 2)."""
    ids = cna.get_column("Hugo_Symbol").to_list()
    cells = cna.select(pl.exclude("Hugo_Symbol")).to_numpy()
    row = {g: i for i, g in enumerate(ids)}
    n_real = cells.shape[1]
    out = np.zeros((len(genes), 3))
    for k, g in enumerate(genes):
        if g in row:
            r = cells[row[g]]
            p = [(r == v).sum() / n_real for v in ("-1.5", "-2", "2")]
            out[k] = np.cumsum(p)
    return out


def write_cna(
    path: Path, genes: list[str], thresholds: np.ndarray, columns: np.ndarray, rng, chunk=64
) -> int:
    """The discrete CNA matrix; returns the number of non-zero cells."""
    lut = np.array(CNA_CODES, dtype=object)
    nonzero = 0
    with open(path, "w") as fh:
        fh.write("Hugo_Symbol\t" + "\t".join(columns.tolist()) + "\n")
        for lo in range(0, len(genes), chunk):
            t = thresholds[lo : lo + chunk].astype(np.float32)
            u = rng.random((len(t), len(columns)), dtype=np.float32)
            code = (
                (u < t[:, 0:1]).astype(np.int8)
                + (u < t[:, 1:2]).astype(np.int8)
                + (u < t[:, 2:3]).astype(np.int8)
            )
            nonzero += int(np.count_nonzero(code))
            for gene, row in zip(genes[lo : lo + chunk], code, strict=True):
                fh.write(gene + "\t" + "\t".join(lut[row].tolist()) + "\n")
    return nonzero


# ------------------------------------------------------------------------------------------ MAF
def make_maf(maf: pl.DataFrame, genes: list[str], n_real: int, cohort: Cohort, rng) -> pl.DataFrame:
    maf = maf.select([c for c in MAF_USED if c in maf.columns]).with_row_index("_row")
    by_gene = maf.group_by("Hugo_Symbol").agg(pl.col("_row"))
    rows_of = {g: np.asarray(r) for g, r in by_gene.iter_rows()}
    n = len(cohort.sample_ids)
    picks, where = [], []
    for g in genes:
        rows = rows_of.get(g)
        if rows is None:
            continue
        k = rng.poisson(len(rows) / n_real * n)
        picks.append(rng.choice(rows, k))
        where.append(rng.integers(0, n, k))
    pick = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
    at = np.concatenate(where) if where else np.zeros(0, dtype=np.int64)
    order = np.argsort(at, kind="stable")
    out = maf.drop("_row")[pick[order]]
    return out.with_columns(
        pl.Series("Tumor_Sample_Barcode", cohort.sample_ids[at[order]], dtype=pl.Utf8)
    )


# ------------------------------------------------------------------------------------- the study
def make_study(
    out: Path,
    n_samples: int,
    seed: int = 1,
    n_genes: int = 500,
    source: Path = SOURCE,
    per_sample: float = 0.6,
) -> dict[str, float]:
    """Write the study to `out` (its name is the study id); returns what was written."""
    t0 = time.perf_counter()
    study_id = out.name
    rng = np.random.default_rng(seed)
    real_id = read_meta(source / "meta_study.txt")["cancer_study_identifier"]
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "case_lists").mkdir(parents=True)

    samples = read_table(source / "data_clinical_sample.txt")
    patients = read_table(source / "data_clinical_patient.txt")
    panels = read_table(source / "data_gene_panel_matrix.txt")
    cohort = make_cohort(samples.frame, patients.frame, panels.frame, n_samples, per_sample, rng)
    sid = pl.Series("SAMPLE_ID", cohort.sample_ids, dtype=pl.Utf8)
    pid = pl.Series("PATIENT_ID", cohort.patient_ids[cohort.sample_patient], dtype=pl.Utf8)

    s = samples.frame[cohort.source_sample].with_columns(pid, sid)
    write_table(tmp / "data_clinical_sample.txt", Table(samples.comments, s, samples.newline))
    p = patients.frame[cohort.source_patient].with_columns(
        pl.Series("PATIENT_ID", cohort.patient_ids, dtype=pl.Utf8)
    )
    write_table(tmp / "data_clinical_patient.txt", Table(patients.comments, p, patients.newline))
    pm = panels.frame[_rows_of(panels.frame, samples.frame, cohort.source_sample)].with_columns(sid)
    write_table(tmp / "data_gene_panel_matrix.txt", Table(panels.comments, pm, panels.newline))

    cna = read_table(source / "data_cna.txt").frame
    maf = read_table(source / "data_mutations.txt").frame
    genes = choose_genes(cna, maf, n_genes)
    columns = cohort.sample_ids[rng.permutation(n_samples)]  # a column order of its own, as real
    nonzero = write_cna(tmp / "data_cna.txt", genes, cna_frequencies(cna, genes), columns, rng)
    n_real = samples.frame.height
    mutations = make_maf(maf, genes, n_real, cohort, rng)
    write_table(tmp / "data_mutations.txt", Table([], mutations, "\n"))

    fusions = read_table(source / "data_fusions.txt")
    src = pl.DataFrame(
        {
            "_new": cohort.sample_ids,
            "Tumor_Sample_Barcode": samples.frame.get_column("SAMPLE_ID")
            .gather(cohort.source_sample)
            .to_list(),
        },
        schema={"_new": pl.Utf8, "Tumor_Sample_Barcode": pl.Utf8},
    )
    fus = src.join(fusions.frame, on="Tumor_Sample_Barcode", how="inner", maintain_order="left")
    fus = fus.with_columns(pl.col("_new").alias("Tumor_Sample_Barcode")).select(
        fusions.frame.columns
    )
    write_table(tmp / "data_fusions.txt", Table(fusions.comments, fus, fusions.newline))

    _write_metas(source, tmp, real_id, study_id, n_samples)
    _write_case_lists(source, tmp, real_id, study_id, samples.frame, cohort)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return {
        "seconds": time.perf_counter() - t0,
        "samples": n_samples,
        "patients": len(cohort.patient_ids),
        "genes": len(genes),
        "cna_nonzero": nonzero,
        "mutations": mutations.height,
        "fusion_rows": fus.height,
        "bytes": sum(f.stat().st_size for f in out.rglob("*") if f.is_file()),
    }


def _rows_of(table: pl.DataFrame, samples: pl.DataFrame, source_sample: np.ndarray) -> np.ndarray:
    """Row of `table` (keyed by SAMPLE_ID) for each synthetic sample's real source sample."""
    row = {s: i for i, s in enumerate(table.get_column("SAMPLE_ID").to_list())}
    real = samples.get_column("SAMPLE_ID").to_list()
    per_real = np.array([row[s] for s in real])
    return per_real[source_sample]


def _write_metas(source: Path, out: Path, real_id: str, study_id: str, n: int) -> None:
    for path in sorted(source.glob("meta_*.txt")):
        meta = read_meta(path)
        meta["cancer_study_identifier"] = study_id
        if path.name == "meta_study.txt":
            name = f"Synthetic GENIE-like breast study ({n} samples, resampled from {real_id})"
            meta["name"] = meta["short_name"] = name
            meta["description"] = (
                f"{n} synthetic samples whose clinical rows, mutation and CNA frequencies, "
                f"fusions and panels are resampled from {real_id}. Benchmark data, not patients."
            )
            meta.pop("pmid", None)
            meta.pop("citation", None)
        write_meta(out / path.name, meta)


def _write_case_lists(
    source: Path, out: Path, real_id: str, study_id: str, samples: pl.DataFrame, cohort: Cohort
) -> None:
    real = np.array(samples.get_column("SAMPLE_ID").to_list(), dtype=object)
    source_of = real[cohort.source_sample]
    for path in sorted((source / "case_lists").glob("*.txt")):
        meta = read_meta(path)
        members = set(meta.get("case_list_ids", "").replace("\t", " ").split())
        ids = cohort.sample_ids[np.isin(source_of, list(members))]
        meta["cancer_study_identifier"] = study_id
        meta["stable_id"] = re.sub(f"^{re.escape(real_id)}", study_id, meta["stable_id"])
        if "case_list_description" in meta:
            meta["case_list_description"] = re.sub(
                r"\(\d+ samples\)", f"({len(ids)} samples)", meta["case_list_description"]
            )
        meta["case_list_ids"] = "\t".join(ids.tolist())
        write_meta(out / "case_lists" / path.name, meta)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--samples", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True, help="study folder; its name is the id")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--genes", type=int, default=500)
    ap.add_argument("--source", type=Path, default=SOURCE, help="the real study to resample")
    ap.add_argument("--patients-per-sample", type=float, default=0.6)
    args = ap.parse_args(argv)
    info = make_study(
        args.out, args.samples, args.seed, args.genes, args.source, args.patients_per_sample
    )
    print(
        f"{args.out}: {info['samples']:,} samples, {info['patients']:,} patients, "
        f"{info['genes']} genes, {info['cna_nonzero']:,} non-zero CNA cells, "
        f"{info['mutations']:,} MAF records, {info['fusion_rows']:,} fusion rows; "
        f"{info['bytes'] / 1e6:.1f} MB on disk, written in {info['seconds']:.1f} s"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
