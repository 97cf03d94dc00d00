"""The meta files of a study folder: finding the study, `key: value` parsing, input records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from her2cohort.errors import DataError
from her2cohort.io import read_normalized_bytes, sha256_file

#: (genetic_alteration_type, datatype) of a meta file -> canonical profile kind
KIND_OF_META = {
    ("MUTATION_EXTENDED", "MAF"): "mutations",
    ("MUTATION_UNCALLED", "MAF"): "mutations",
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
    ("FUSION", "FUSION"): "structural_variants",
    ("STRUCTURAL_VARIANT", "SV"): "structural_variants",
}


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


def input_record(path: Path, rows: int | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "path": str(path),
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
    }
    if rows is not None:
        rec["rows"] = rows
    return rec


def profile_kind(meta: dict[str, str]) -> str | None:
    """The canonical profile kind a meta file describes (None: not a profile the pipeline uses)."""
    kind = (meta.get("genetic_alteration_type", "").upper(), meta.get("datatype", "").upper())
    return KIND_OF_META.get(kind)


def is_gene_panel_file(path: Path) -> bool:
    """Whether `path` looks like a gene panel definition (stable_id and gene_list keys)."""
    try:
        head = read_normalized_bytes(path)[:4096].decode("utf-8", errors="replace")
    except OSError:
        return False
    return "stable_id:" in head and "gene_list:" in head
