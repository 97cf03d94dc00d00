"""Read a study folder in cBioPortal's datahub layout by following its meta_*.txt files."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from her2cohort.errors import DataError
from her2cohort.io import (
    read_normalized_bytes,
    read_tsv_strings,
    sha256_file,
    split_comment_header,
)
from her2cohort.source.tables import (
    ATTRIBUTE_COLUMNS,
    CASE_LIST_COLUMNS,
    CNA_COLUMNS,
    MUTATION_COLUMNS,
    PANEL_COLUMNS,
    PROFILE_COLUMNS,
    SV_COLUMNS,
    StudyTables,
    empty,
)

log = logging.getLogger(__name__)

#: MAF column -> canonical column
MAF_COLUMNS = {
    "Tumor_Sample_Barcode": "sample_id",
    "Hugo_Symbol": "gene",
    "Entrez_Gene_Id": "entrez_gene_id",
    "Variant_Classification": "variant_classification",
    "Variant_Type": "variant_type",
    "Chromosome": "chromosome",
    "Start_Position": "start_position",
    "End_Position": "end_position",
    "Reference_Allele": "reference_allele",
    "Tumor_Seq_Allele2": "tumor_seq_allele2",
    "HGVSp_Short": "protein_change",
    "Mutation_Status": "mutation_status",
}
MAF_REQUIRED = ("Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification")
CNA_ALLOWED = {-2.0, -1.5, -1.0, 0.0, 1.0, 2.0}
CNA_ID_COLUMNS = ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")


def locate_study(study_id: str, mirrors: list[str | Path], base: str | Path = ".") -> Path:
    """Find `study_id` in the first mirror directory that holds it, or say where we looked."""
    looked = []
    for mirror in mirrors:
        root = Path(mirror)
        if not root.is_absolute():
            root = Path(base) / root
        candidate = root / study_id
        looked.append(str(candidate.resolve()))
        if (candidate / "meta_study.txt").is_file():
            return candidate
    raise DataError(
        f"study '{study_id}' not found: looked for {study_id}/meta_study.txt in "
        + ", ".join(looked)
        + " (add its parent folder to `mirrors` in config/config.yaml)"
    )


def parse_meta(path: Path) -> dict[str, str]:
    """Parse a cBioPortal meta/case-list file of `key: value` lines."""
    meta: dict[str, str] = {}
    text = read_normalized_bytes(path).decode("utf-8", errors="replace")
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if ":" not in line:
            raise DataError(f"{path}:{lineno}: expected 'key: value', got {line[:60]!r}")
        key, value = line.split(":", 1)
        meta[key.strip()] = value.strip()
    return meta


def _input_record(path: Path, rows: int | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "path": str(path),
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
    }
    if rows is not None:
        rec["rows"] = rows
    return rec


def _header_line(comments: list[str]) -> int:
    return len(comments) + 1


def read_clinical(path: Path, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a clinical sample or patient file; returns (table, attribute metadata)."""
    frame, comments = read_tsv_strings(path)
    key = "SAMPLE_ID" if level == "sample" else "PATIENT_ID"
    required = ["SAMPLE_ID", "PATIENT_ID"] if level == "sample" else ["PATIENT_ID"]
    for col in required:
        if col not in frame.columns:
            raise DataError(f"{path}: no {col} column (columns: {', '.join(frame.columns[:8])}...)")
    header = _header_line(comments)
    missing_key = frame[key].isna()
    if missing_key.any():
        lines = (frame.index[missing_key] + header + 1).tolist()[:5]
        raise DataError(f"{path}: empty {key} on line(s) {', '.join(map(str, lines))}")
    dup = frame[key].duplicated(keep=False)
    if dup.any():
        ids = sorted(frame.loc[dup, key].unique())
        lines = (frame.index[dup] + header + 1).tolist()[:6]
        raise DataError(
            f"{path}: duplicated {key} {', '.join(ids[:5])}"
            f"{' ...' if len(ids) > 5 else ''} (lines {', '.join(map(str, lines))})"
        )
    attrs = _attribute_rows(frame.columns.tolist(), comments, level)
    return frame.reset_index(drop=True), attrs


def _attribute_rows(columns: list[str], comments: list[str], level: str) -> pd.DataFrame:
    rows = []
    parts = [c.split("\t") for c in comments[:4]]
    names = ["display_name", "description", "datatype", "priority"]
    for i, col in enumerate(columns):
        row: dict[str, str | None] = {"attribute_id": col, "level": level}
        for j, name in enumerate(names):
            row[name] = parts[j][i] if j < len(parts) and i < len(parts[j]) else None
        rows.append(row)
    out = pd.DataFrame(rows, columns=ATTRIBUTE_COLUMNS)
    return out


def read_maf(path: Path) -> pd.DataFrame:
    frame, _ = read_tsv_strings(path)
    missing = [c for c in MAF_REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: MAF lacks required column(s) {', '.join(missing)}")
    out = pd.DataFrame(
        {canon: frame[col] if col in frame else pd.NA for col, canon in MAF_COLUMNS.items()}
    )
    out["protein_change"] = out["protein_change"].astype("string").str.removeprefix("p.")
    return out[MUTATION_COLUMNS].astype("string")


def read_cna_matrix(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a discrete CNA gene x sample matrix into long form (non-zero calls only).

    Returns (long table sample_id, gene, value) and the list of samples in the matrix. polars
    parses the numbers straight into a float32 genes x samples array; np.nonzero finds the calls,
    so nothing is looped over and no string is made per cell (200,000 samples x 500 genes: see
    benchmarks/bench_scale.py). sample_id and gene come back as categoricals.
    """
    _, body = split_comment_header(read_normalized_bytes(path))
    first = body[: body.find(b"\n")].decode("utf-8", errors="replace").split("\t")
    header = [c.strip() for c in first]
    if "Hugo_Symbol" not in header:
        raise DataError(f"{path}: discrete CNA matrix has no Hugo_Symbol column")
    samples = [c for c in header if c not in CNA_ID_COLUMNS]
    schema = {c: (pl.Utf8 if c in CNA_ID_COLUMNS else pl.Float32) for c in header}
    try:
        wide = pl.read_csv(
            io.BytesIO(body),
            separator="\t",
            schema=schema,
            has_header=True,
            null_values=["NA", "", "NaN", "nan"],
            quote_char=None,
        )
    except pl.exceptions.PolarsError:
        _raise_bad_cna_cell(path, body, samples)
        raise
    long = (
        wide.lazy()
        .select(["Hugo_Symbol", *samples])
        .unpivot(index="Hugo_Symbol", variable_name="sample_id", value_name="value")
        .filter(pl.col("value").is_not_null() & (pl.col("value") != 0))
        .with_columns(pl.col("Hugo_Symbol").str.strip_chars().alias("gene"))
        .collect()
    )
    bad = long.filter(~pl.col("value").is_in(sorted(CNA_ALLOWED)))
    if bad.height:
        row = bad.row(0, named=True)
        raise DataError(
            f"{path}: column {row['sample_id']}, gene {row['gene']}: discrete CNA value "
            f"'{row['value']:g}' is not one of -2, -1.5, -1, 0, 1, 2, NA ({bad.height} such cells)"
        )
    genes = wide.get_column("Hugo_Symbol").str.strip_chars()
    if genes.is_duplicated().any():
        dups = long.select(["sample_id", "gene"]).is_duplicated()
        log.warning("%s: %d duplicated gene rows; keeping the first call", path, int(dups.sum()))
        long = long.unique(subset=["sample_id", "gene"], keep="first", maintain_order=True)
    out = long.select(
        pl.col("sample_id").cast(pl.Categorical),
        pl.col("gene").cast(pl.Categorical),
        pl.col("value").cast(pl.Float64),
    ).to_pandas()
    return out[CNA_COLUMNS], samples


def _raise_bad_cna_cell(path: Path, body: bytes, samples: list[str]) -> None:
    """Find the first non-numeric cell of a CNA matrix and raise a DataError naming it."""
    wide = pl.read_csv(io.BytesIO(body), separator="\t", infer_schema=False, quote_char=None)
    for col in samples:
        raw = wide.get_column(col).str.strip_chars()
        num = raw.cast(pl.Float64, strict=False)
        bad = raw.is_not_null() & ~raw.is_in(["", "NA", "NaN", "nan"]) & num.is_null()
        if bad.any():
            row = int(bad.arg_true()[0])
            raise DataError(
                f"{path}: column {col}, gene {wide.get_column('Hugo_Symbol')[row]}: discrete CNA value "
                f"{raw[row]!r} is not one of -2, -1.5, -1, 0, 1, 2, NA"
            )


def _fusion_partners(gene: str, name: str) -> tuple[str, str | None]:
    """Site 1 and site 2 of one fusion-file row, ordered as in the Fusion name ('A-B fusion').

    Follows datahub's fusion-to-SV converter: partners come from the name; '<gene>-intragenic' is a
    single-gene event; a gene row the name does not mention is a single-gene event of its own.
    Gene symbols may contain '-' (NKX2-1), so the split is anchored on the row's own gene.
    """
    core = re.sub(r"\s+fusion\s*$", "", name.strip(), flags=re.IGNORECASE)
    if core.lower() in (f"{gene.lower()}-intragenic", gene.lower()):
        return gene, None
    if core.startswith(gene + "-"):
        return gene, core[len(gene) + 1 :] or None
    if core.endswith("-" + gene):
        return core[: -len(gene) - 1] or gene, gene
    return gene, None


def read_fusions(path: Path) -> pd.DataFrame:
    """Old-style data_fusions.txt (one row per partner gene) -> one SV event per fusion."""
    frame, _ = read_tsv_strings(path)
    missing = [
        c for c in ("Hugo_Symbol", "Tumor_Sample_Barcode", "Fusion") if c not in frame.columns
    ]
    if missing:
        raise DataError(f"{path}: fusion file lacks column(s) {', '.join(missing)}")
    frame = frame.dropna(subset=["Hugo_Symbol", "Tumor_Sample_Barcode"]).copy()
    frame["Fusion"] = frame["Fusion"].fillna(frame["Hugo_Symbol"] + "-intragenic")
    # one partner pair per row: a small table (one row per fusion partner), not per gene or sample
    pairs = [
        _fusion_partners(g, f) for g, f in zip(frame["Hugo_Symbol"], frame["Fusion"], strict=True)
    ]
    events = pd.DataFrame(
        {
            "sample_id": frame["Tumor_Sample_Barcode"].to_numpy(),
            "site1_gene": [p[0] for p in pairs],
            "site2_gene": [p[1] for p in pairs],
            "event_info": frame["Fusion"].to_numpy(),
            "origin": "fusion_file",
        }
    )
    events = events.drop_duplicates(subset=["sample_id", "site1_gene", "site2_gene", "event_info"])
    return events[SV_COLUMNS].astype("string").reset_index(drop=True)


def read_sv(path: Path) -> pd.DataFrame:
    """cBioPortal's structural variant format (data_sv.txt)."""
    frame, _ = read_tsv_strings(path)
    if "Sample_Id" not in frame.columns:
        raise DataError(f"{path}: structural variant file has no Sample_Id column")
    if "Site1_Hugo_Symbol" not in frame.columns and "Site2_Hugo_Symbol" not in frame.columns:
        raise DataError(
            f"{path}: structural variant file has neither Site1_Hugo_Symbol nor Site2_Hugo_Symbol"
        )
    get = lambda c: frame[c] if c in frame else pd.Series(pd.NA, index=frame.index)  # noqa: E731
    return pd.DataFrame(
        {
            "sample_id": frame["Sample_Id"],
            "site1_gene": get("Site1_Hugo_Symbol"),
            "site2_gene": get("Site2_Hugo_Symbol"),
            "event_info": get("Event_Info"),
            "origin": "sv_file",
        }
    )[SV_COLUMNS].astype("string")


def read_gene_panel_matrix(path: Path) -> pd.DataFrame:
    frame, _ = read_tsv_strings(path)
    if "SAMPLE_ID" not in frame.columns:
        raise DataError(f"{path}: gene panel matrix has no SAMPLE_ID column")
    long = frame.melt(id_vars="SAMPLE_ID", var_name="profile_column", value_name="panel_id")
    return long.rename(columns={"SAMPLE_ID": "sample_id"})


def read_gene_panel_file(path: Path) -> pd.DataFrame:
    meta = parse_meta(path)
    if "stable_id" not in meta or "gene_list" not in meta:
        raise DataError(f"{path}: gene panel file needs stable_id and gene_list")
    genes = [g for g in meta["gene_list"].replace("\t", " ").split() if g]
    return pd.DataFrame({"panel_id": meta["stable_id"], "gene": genes}, columns=PANEL_COLUMNS)


def _is_gene_panel_file(path: Path) -> bool:
    try:
        head = read_normalized_bytes(path)[:4096].decode("utf-8", errors="replace")
    except OSError:
        return False
    return "stable_id:" in head and "gene_list:" in head


def read_case_lists(folder: Path) -> tuple[pd.DataFrame, list[Path]]:
    rows = []
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    for path in files:
        meta = parse_meta(path)
        if "stable_id" not in meta:
            raise DataError(f"{path}: case list has no stable_id")
        ids = [s for s in meta.get("case_list_ids", "").replace("\t", " ").split() if s]
        for sid in ids:
            rows.append((meta["stable_id"], meta.get("case_list_category", ""), sid))
    if not rows:
        return empty(CASE_LIST_COLUMNS), files
    return pd.DataFrame(rows, columns=CASE_LIST_COLUMNS).astype("string"), files


def _profile_kind(meta: dict[str, str]) -> str | None:
    kind = (meta.get("genetic_alteration_type", "").upper(), meta.get("datatype", "").upper())
    return {
        ("MUTATION_EXTENDED", "MAF"): "mutations",
        ("MUTATION_UNCALLED", "MAF"): "mutations",
        ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
        ("FUSION", "FUSION"): "structural_variants",
        ("STRUCTURAL_VARIANT", "SV"): "structural_variants",
    }.get(kind)


def read_study_folder(
    folder: str | Path, panel_dirs: list[str | Path] | None = None
) -> StudyTables:
    """Read every supported data file a study's meta files point to."""
    root = Path(folder)
    study_meta_path = root / "meta_study.txt"
    if not study_meta_path.is_file():
        raise DataError(f"{root}: no meta_study.txt (not a cBioPortal study folder)")
    study_meta = parse_meta(study_meta_path)
    study_id = study_meta.get("cancer_study_identifier")
    if not study_id:
        raise DataError(f"{study_meta_path}: no cancer_study_identifier")
    inputs = [_input_record(study_meta_path)]
    notes: list[str] = []
    samples = patients = None
    attributes = []
    mutations: list[pd.DataFrame] = []
    cna: list[pd.DataFrame] = []
    sv: list[pd.DataFrame] = []
    panel_matrix = None
    profile_ids: dict[str, str] = {}  # stable_id -> kind
    cna_samples: list[str] = []
    skipped = []

    for meta_path in sorted(root.glob("meta_*.txt")):
        if meta_path.name == "meta_study.txt":
            continue
        meta = parse_meta(meta_path)
        inputs.append(_input_record(meta_path))
        gat = meta.get("genetic_alteration_type", "").upper()
        datatype = meta.get("datatype", "").upper()
        if "data_filename" not in meta:
            raise DataError(f"{meta_path}: no data_filename")
        data_path = root / meta["data_filename"]
        if not data_path.is_file():
            raise DataError(
                f"{meta_path}: data_filename '{meta['data_filename']}' does not exist in {root}"
            )
        kind = _profile_kind(meta)
        if gat == "CLINICAL" and datatype in ("SAMPLE_ATTRIBUTES", "MIXED_ATTRIBUTES"):
            samples, attrs = read_clinical(data_path, "sample")
            attributes.append(attrs)
            rows = len(samples)
        elif gat == "CLINICAL" and datatype == "PATIENT_ATTRIBUTES":
            patients, attrs = read_clinical(data_path, "patient")
            attributes.append(attrs)
            rows = len(patients)
        elif kind == "mutations":
            mutations.append(read_maf(data_path))
            rows = len(mutations[-1])
        elif kind == "cna":
            frame, cna_samples = read_cna_matrix(data_path)
            cna.append(frame)
            rows = len(frame)
        elif kind == "structural_variants":
            sv.append(read_fusions(data_path) if gat == "FUSION" else read_sv(data_path))
            rows = len(sv[-1])
        elif gat == "GENE_PANEL_MATRIX":
            panel_matrix = read_gene_panel_matrix(data_path)
            rows = panel_matrix["sample_id"].nunique()
        else:
            skipped.append(meta_path.name)
            inputs.append(_input_record(data_path) | {"skipped": f"{gat}/{datatype} not used"})
            continue
        if kind and "stable_id" in meta:
            profile_ids[meta["stable_id"]] = kind
            profile_ids[f"{study_id}_{meta['stable_id']}"] = kind
        inputs.append(_input_record(data_path, rows) | {"datatype": f"{gat}/{datatype}"})
    if samples is None:
        raise DataError(f"{root}: no clinical sample file (meta with datatype SAMPLE_ATTRIBUTES)")
    if patients is None:
        notes.append("no clinical patient file; patients derived from the sample file")
        patients = samples[["PATIENT_ID"]].drop_duplicates().reset_index(drop=True)

    case_lists, case_files = read_case_lists(root / "case_lists")
    inputs.extend(_input_record(p) for p in case_files)

    panels, panel_files = _read_panels(root, panel_dirs or [])
    inputs.extend(_input_record(p) for p in panel_files)

    sample_ids = samples["SAMPLE_ID"]
    profiles = _profiled_samples(
        sample_ids, panel_matrix, profile_ids, case_lists, cna_samples, bool(mutations), bool(sv)
    )
    used_panels = set(profiles["panel_id"].dropna())
    missing_panels = sorted(used_panels - set(panels["panel_id"]))
    if missing_panels:
        notes.append(
            "gene panel definitions not available for "
            + ", ".join(missing_panels)
            + ": genes off a sample's panel cannot be told from unaltered"
        )
    if skipped:
        notes.append("meta files not used: " + ", ".join(skipped))

    return StudyTables(
        study_id=study_id,
        source="folder",
        samples=samples,
        patients=patients,
        attributes=pd.concat(attributes, ignore_index=True)
        if attributes
        else empty(ATTRIBUTE_COLUMNS),
        mutations=pd.concat(mutations, ignore_index=True) if mutations else empty(MUTATION_COLUMNS),
        cna=pd.concat(cna, ignore_index=True) if cna else empty(CNA_COLUMNS),
        sv=pd.concat(sv, ignore_index=True) if sv else empty(SV_COLUMNS),
        profiles=profiles,
        gene_panels=panels,
        case_lists=case_lists,
        meta={"folder": str(root.resolve()), **study_meta},
        inputs=inputs,
        notes=notes,
    )


def _read_panels(root: Path, panel_dirs: list[str | Path]) -> tuple[pd.DataFrame, list[Path]]:
    candidates = [p for p in sorted(root.glob("data_gene_panel*.txt")) if "matrix" not in p.name]
    candidates += (
        sorted((root / "gene_panels").glob("*.txt")) if (root / "gene_panels").is_dir() else []
    )
    for extra in panel_dirs:
        if Path(extra).is_dir():
            candidates += sorted(Path(extra).glob("*.txt"))
    frames, used = [], []
    for path in candidates:
        if _is_gene_panel_file(path):
            frames.append(read_gene_panel_file(path))
            used.append(path)
    if not frames:
        return empty(PANEL_COLUMNS), used
    panels = pd.concat(frames, ignore_index=True).drop_duplicates()
    return panels.astype("string"), used


def _profiled_samples(
    sample_ids: pd.Series,
    panel_matrix: pd.DataFrame | None,
    profile_ids: dict[str, str],
    case_lists: pd.DataFrame,
    cna_samples: list[str],
    has_mutations: bool,
    has_sv: bool,
) -> pd.DataFrame:
    """Which samples each profile covers, and on which panel (NA: whole-genome or unknown)."""
    frames = []
    covered: set[str] = set()
    if panel_matrix is not None:
        pm = panel_matrix.copy()
        pm["profile"] = pm["profile_column"].map(profile_ids)
        pm = pm.dropna(subset=["profile", "panel_id"])
        pm = pm[pm["panel_id"].str.upper() != "NA"]
        frames.append(pm[PROFILE_COLUMNS])
        covered = set(pm["profile"])
    suffix = {"mutations": "_sequenced", "cna": "_cna", "structural_variants": "_sv"}
    present = {"mutations": has_mutations, "cna": bool(cna_samples), "structural_variants": has_sv}
    for kind, is_present in present.items():
        if not is_present or kind in covered:
            continue
        ids: pd.Series | list[str]
        cl = case_lists[case_lists["case_list_id"].str.endswith(suffix[kind])]
        if kind == "cna" and cna_samples:
            ids = cna_samples
        elif kind == "structural_variants" and "mutations" in covered:
            # fusions were called from the same targeted assay as mutations
            mut = frames[0]
            mut = mut[mut["profile"] == "mutations"]
            frames.append(mut.assign(profile="structural_variants"))
            continue
        elif len(cl):
            ids = cl["sample_id"]
        else:
            ids = sample_ids
        frames.append(pd.DataFrame({"sample_id": list(ids), "profile": kind, "panel_id": pd.NA}))
    if not frames:
        return empty(PROFILE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out[PROFILE_COLUMNS].astype("string")
