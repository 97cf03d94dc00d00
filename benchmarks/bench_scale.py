"""Scale benchmark: read a GENIE-size discrete CNA matrix and build the alteration matrix.

Writes a synthetic study (genes x samples CNA matrix, MAF, clinical file, panel matrix) in a temp
folder, then times the folder reader and :func:`her2cohort.alterations.alteration_matrix` and
reports peak memory. Prints figures; asserts nothing (speed targets live here, not in tests).

    .venv/bin/python benchmarks/bench_scale.py --samples 20000 --genes 500
    .venv/bin/python benchmarks/bench_scale.py --samples 200000 --genes 500   # GENIE size
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from her2cohort.alterations import alteration_matrix, load_alterations
from her2cohort.source.folder import read_cna_matrix, read_study_folder

REPO = Path(__file__).resolve().parents[1]


def write_study(root: Path, n_samples: int, n_genes: int, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    study = root / "bench_study"
    (study / "case_lists").mkdir(parents=True)
    samples = [f"S{i:07d}" for i in range(n_samples)]
    genes = ["ESR1", "PIK3CA", "MYC", "PTEN", "FGFR1", "FGFR2", "CCND1", "RB1"] + [
        f"G{i:04d}" for i in range(max(0, n_genes - 8))
    ]
    (study / "meta_study.txt").write_text(
        "type_of_cancer: brca\ncancer_study_identifier: bench\nname: b\n"
    )
    (study / "meta_clinical_sample.txt").write_text(
        "cancer_study_identifier: bench\ngenetic_alteration_type: CLINICAL\n"
        "datatype: SAMPLE_ATTRIBUTES\ndata_filename: data_clinical_sample.txt\n"
    )
    with open(study / "data_clinical_sample.txt", "w") as fh:
        fh.write("PATIENT_ID\tSAMPLE_ID\tHER2_IHC_SCORE\n")
        ihc = rng.choice(["0+", "1+", "2+", "3+", "0-1+"], n_samples)
        fh.writelines(f"P{s[1:]}\t{s}\t{h}\n" for s, h in zip(samples, ihc, strict=True))
    (study / "meta_cna.txt").write_text(
        "cancer_study_identifier: bench\ngenetic_alteration_type: COPY_NUMBER_ALTERATION\n"
        "datatype: DISCRETE\nstable_id: cna\ndata_filename: data_cna.txt\n"
    )
    values = np.array(
        [
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "-1",
            "1",
            "2",
            "-2",
            "-1.5",
            "NA",
        ]
    )
    with open(study / "data_cna.txt", "w") as fh:
        fh.write("Hugo_Symbol\t" + "\t".join(samples) + "\n")
        for g in genes:
            row = rng.choice(values, n_samples, p=[0.06] * 12 + [0.1, 0.1, 0.02, 0.02, 0.02, 0.02])
            fh.write(g + "\t" + "\t".join(row) + "\n")
    (study / "meta_mutations.txt").write_text(
        "cancer_study_identifier: bench\ngenetic_alteration_type: MUTATION_EXTENDED\ndatatype: MAF\n"
        "stable_id: mutations\ndata_filename: data_mutations.txt\n"
    )
    n_mut = n_samples * 5
    with open(study / "data_mutations.txt", "w") as fh:
        fh.write("Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\tMutation_Status\n")
        g = rng.choice(genes, n_mut)
        s = rng.choice(samples, n_mut)
        vc = rng.choice(
            ["Missense_Mutation", "Nonsense_Mutation", "Silent", "Frame_Shift_Del"], n_mut
        )
        fh.writelines(f"{a}\t{b}\t{c}\tSOMATIC\n" for a, b, c in zip(g, s, vc, strict=True))
    return study


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--genes", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        study = write_study(Path(tmp), args.samples, args.genes)
        size = (study / "data_cna.txt").stat().st_size / 1e6
        print(
            f"synthetic study: {args.samples} samples x {args.genes} genes, CNA file {size:.0f} MB "
            f"(written in {time.perf_counter() - t0:.1f} s)"
        )
        t0 = time.perf_counter()
        cna, cols, _ = read_cna_matrix(study / "data_cna.txt")
        print(
            f"read_cna_matrix: {time.perf_counter() - t0:.2f} s, {len(cna):,} non-zero calls, "
            f"peak RSS {peak_rss_mb():.0f} MB"
        )
        t0 = time.perf_counter()
        tables = read_study_folder(study)
        print(f"read_study_folder (clinical + MAF + CNA): {time.perf_counter() - t0:.2f} s")
        alts = load_alterations(REPO / "config" / "alterations.yaml")
        t0 = time.perf_counter()
        matrix, calls, _ = alteration_matrix(tables, alts)
        print(
            f"alteration_matrix: {time.perf_counter() - t0:.2f} s for {matrix.shape[0]:,} samples x "
            f"{matrix.shape[1] - 2} alterations ({len(calls):,} calls); peak RSS {peak_rss_mb():.0f} MB"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
