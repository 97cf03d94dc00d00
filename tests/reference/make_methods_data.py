"""Build the inputs of methods_reference.R (RMST, competing risks, period-specific Cox) in
tests/reference/data/:

* ``methods__metabric.tsv``: the real METABRIC study (cBioPortal ``brca_metabric``, read-only in
  ../shared/cbioportal beside the repository): patient_id, time (OS months), event (OS death),
  cause (0 alive / censored, 1 died of disease, 2 died of other causes; from VITAL_STATUS),
  subtype (PAM50 + claudin-low), her2 (clinical HER2 status), age, entry (NA: no delayed entry).
  Patients without OS, with a death of unknown cause (VITAL_STATUS blank) or without a PAM50 +
  claudin-low call (blank or NC) are dropped, and counted on stdout.
* ``methods__metabric_entry.tsv``: the same patients with a synthetic delayed entry (uniform on
  [0, 60] months, seeded, rounded to 0.01 as the pipeline rounds entries); patients entering at
  or after their last follow-up are kept in the file (the fits drop them, as the pipeline does).
  METABRIC has no delayed entry: this only exercises the left-truncated code paths.
* ``methods__msk_hrpos.tsv``: a frozen copy of the real left-truncated MSK fixture
  (data/breast_msk_2018__her2_hrpos.tsv: entry at first sequencing), so that regenerating the other
  fixtures cannot make r_rmst.tsv / r_period_cox.tsv stale.

    .venv/bin/python tests/reference/make_methods_data.py
    Rscript tests/reference/methods_reference.R
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from her2cohort.io import read_tsv, read_tsv_strings, write_tsv

HERE = Path(__file__).resolve().parent
STUDY = HERE.parents[2] / "shared" / "cbioportal" / "brca_metabric"  # ../shared beside the repo
SUBTYPES = ("LumA", "LumB", "Her2", "Basal", "claudin-low", "Normal")
CAUSES = {"Living": 0, "Died of Disease": 1, "Died of Other Causes": 2}
HER2 = {"+": "positive", "-": "negative", "Positive": "positive", "Negative": "negative"}
SEED = 20240601


def metabric() -> pd.DataFrame:
    """One row per METABRIC patient with OS, cause of death, subtype, HER2 status and age."""
    patients, _ = read_tsv_strings(STUDY / "data_clinical_patient.txt")
    samples, _ = read_tsv_strings(STUDY / "data_clinical_sample.txt")
    her2 = samples.drop_duplicates("PATIENT_ID").set_index("PATIENT_ID")["HER2_STATUS"]
    status = patients["OS_STATUS"].str.replace(r"^\d:", "", regex=True)
    d = pd.DataFrame(
        {
            "patient_id": patients["PATIENT_ID"],
            "time": pd.to_numeric(patients["OS_MONTHS"]),
            "event": status.map({"DECEASED": 1, "LIVING": 0}),
            "cause": patients["VITAL_STATUS"].map(CAUSES),
            "subtype": patients["CLAUDIN_SUBTYPE"],
            "her2": patients["PATIENT_ID"].map(her2).map(HER2),
            "age": pd.to_numeric(patients["AGE_AT_DIAGNOSIS"]),
            "entry": np.nan,
        }
    )
    checks: list[tuple[str, Callable[[pd.DataFrame], pd.Series]]] = [
        ("missing OS time or status", lambda x: x["time"].isna() | x["event"].isna()),
        ("unknown vital status (cause of death)", lambda x: x["cause"].isna()),
        ("vital status disagrees with OS status", lambda x: (x["cause"] > 0) != (x["event"] == 1)),
        ("no PAM50 + claudin-low subtype (blank or NC)", lambda x: ~x["subtype"].isin(SUBTYPES)),
        ("missing age", lambda x: x["age"].isna()),
    ]
    print(f"METABRIC: {len(d)} patients")
    for label, check in checks:  # sequential: a patient is counted at the first check failed
        mask = check(d).fillna(True).astype(bool)
        print(f"  dropped {int(mask.sum())}: {label}")
        d = d[~mask]
    d = d.astype({"event": int, "cause": int})
    deaths, disease = int(d["event"].sum()), int((d["cause"] == 1).sum())
    print(f"  kept {len(d)} ({deaths} deaths, {disease} of disease)")
    return d.reset_index(drop=True)


def main() -> None:
    data = HERE / "data"
    d = metabric()
    write_tsv(d, data / "methods__metabric.tsv")
    rng = np.random.default_rng(SEED)
    late = d.assign(entry=np.round(rng.uniform(0.0, 60.0, len(d)), 2))
    print(f"  synthetic entry: {int((late['entry'] >= late['time']).sum())} enter after follow-up")
    write_tsv(late, data / "methods__metabric_entry.tsv")
    msk = read_tsv(data / "breast_msk_2018__her2_hrpos.tsv")
    write_tsv(
        msk[["patient_id", "group", "time", "event", "entry", "age"]],
        data / "methods__msk_hrpos.tsv",
    )
    print(f"MSK HR+: {len(msk)} patients, {int((msk['entry'] >= msk['time']).sum())} late entries")


if __name__ == "__main__":
    main()
