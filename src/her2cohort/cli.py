"""The ``her2cohort`` command line.

``her2cohort new-cohort STUDY_DIR [--out FILE]`` (also ``python -m her2cohort.cli new-cohort``)
reads a study folder's clinical files, has :mod:`her2cohort.scaffold` propose a column for each
canonical field, and writes the commented draft cohort file: each field with its column and the
evidence, ``# UNCERTAIN`` where the choice is not clear, and the values of its vocabulary columns
that the shared vocabularies do not list. A bad input is one line ``her2cohort error: ...`` on
stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from her2cohort.clinical import VOCABULARY_VALUES
from her2cohort.config import load_yaml, validate_config
from her2cohort.errors import DataError, Her2cohortError
from her2cohort.io import write_text
from her2cohort.runner import one_line_error
from her2cohort.scaffold import (
    SECTIONS,
    Candidate,
    Line,
    Scaffold,
    active_columns,
    is_missing,
    scaffold_study,
    spec_of,
)
from her2cohort.source.folder import ClinicalFile, parse_meta, read_clinical

KIND_LABEL = {
    "ihc": "IHC scores",
    "ish_status": "ISH statuses",
    "ish_ratio": "ISH ratios",
    "copy_number": "copy numbers",
    "receptor": "receptor statuses",
    "os_status": "OS statuses",
    "sample_type": "sample types",
    "cn_status": "copy-number statuses",
    "subtype": "intrinsic subtypes",
    "stage": "stages",
    "months": "months (0-600)",
    "age": "ages (0-120)",
    "number": "numbers",
}
HEADER = """\
# Draft cohort file for {study_id}, proposed by `her2cohort new-cohort` from
# {folder} ({files}).
# Review it, save it as config/cohorts/<name>.yaml and add <name> to `cohorts` in
# config/config.yaml (README.md, "Adding a cohort").
#
# Each field line gives the column proposed and the evidence: whether the column is named like the
# field (name) or only its values fit (values), and the share of its non-missing values that the
# field's grammar reads. Lines marked UNCERTAIN need a decision:
#   field: [A, B]    keep one column (`field: A`) or delete the line: until then this file is not
#                    a valid cohort file;
#   # field: [A, B]  found by values only: uncomment it with one column (and drop the `{{}}` after
#                    its section's name), or leave it.
# A field without a line was found in neither file."""
_LEVELS = {
    "SAMPLE_ATTRIBUTES": "sample",
    "MIXED_ATTRIBUTES": "sample",
    "PATIENT_ATTRIBUTES": "patient",
}


@dataclass(frozen=True)
class StudyClinical:
    """A study's id, name, folder and clinical files as (level, path, file), sample file first."""

    study_id: str
    name: str
    folder: Path
    files: tuple[tuple[str, Path, ClinicalFile], ...]


def read_study_clinical(folder: str | Path) -> StudyClinical:
    """Read the clinical files a study folder's meta files point to (and nothing else).

    Raises
    ------
    DataError
        No ``meta_study.txt``, a clinical meta file naming no file, or no clinical sample file.
    """
    root = Path(folder)
    if not (root / "meta_study.txt").is_file():
        raise DataError(f"{root}: no meta_study.txt (not a cBioPortal study folder)")
    study = parse_meta(root / "meta_study.txt")
    files = []
    for meta_path in sorted(set(root.glob("meta_*.txt")) - {root / "meta_study.txt"}):
        meta = parse_meta(meta_path)
        level = _LEVELS.get(meta.get("datatype", "").upper())
        if meta.get("genetic_alteration_type", "").upper() != "CLINICAL" or level is None:
            continue
        path = root / meta.get("data_filename", "")
        if not path.is_file():
            raise DataError(
                f"{meta_path}: data_filename {meta.get('data_filename')!r} is not a file"
            )
        files.append((level, path, read_clinical(path, level)))
    if not any(level == "sample" for level, _, _ in files):
        raise DataError(f"{root}: no clinical sample file (meta with datatype SAMPLE_ATTRIBUTES)")
    files.sort(key=lambda f: f[0] != "sample")
    study_id = study.get("cancer_study_identifier", root.name)
    return StudyClinical(study_id, study.get("name", ""), root, tuple(files))


def scalar(text: str) -> str:
    """A YAML scalar for a column id or value (quoted unless it reads back as the same string)."""
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.+-]*", text) and yaml.safe_load(text) == text
    return text if plain else json.dumps(text)


def evidence(candidate: Candidate) -> str:
    """``COLUMN (name|values, 97% of 1808)``."""
    how = "name" if candidate.by_name else "values"
    return f"{candidate.column} ({how}, {candidate.share:.0%} of {candidate.n})"


def render_line(line: Line, max_also: int = 3) -> str:
    """One field line and its evidence comment (a settled line names up to ``max_also`` others)."""
    kind = KIND_LABEL[spec_of(line.field)[0].kind]
    best, others = line.candidates[0], line.candidates[1:]
    if not line.reason:
        more = f" and {len(others) - max_also} more" if len(others) > max_also else ""
        also = f"; also fit: {', '.join(map(evidence, others[:max_also]))}{more}" if others else ""
        share = f"{best.share:.0%} of {best.n} values parse as {kind}"
        return f"  {line.field}: {scalar(best.column)}  # by name; {share}{also}"
    listed = ", ".join(scalar(c.column) for c in line.candidates)
    lead = "  " if active_columns(line) else "  # "
    shares = ", ".join(map(evidence, line.candidates))
    return f"{lead}{line.field}: [{listed}]  # UNCERTAIN: {line.reason}; {kind}: {shares}"


def render_section(section: str, lines: Sequence[Line]) -> list[str]:
    """A ``sample_fields`` / ``patient_fields`` block (``{}`` when no line of it is active)."""
    mine = [ln for ln in lines if ln.section == section]
    if not mine and section == "patient_fields":
        return []
    empty = " {}" if not any(active_columns(ln) for ln in mine) else ""
    return ["", f"{section}:{empty}", *map(render_line, mine)]


def render_subtypes(found: Scaffold) -> list[str]:
    """A ``vocabularies: subtype:`` block naming each label of a settled subtype column as itself."""
    line = next((ln for ln in found.lines if ln.field == "subtype" and not ln.reason), None)
    if line is None:
        return []
    column = next(
        c
        for c in found.columns
        if SECTIONS[c.level] == line.section and c.name == line.candidates[0].column
    )
    labels = [f"    {scalar(v)}: [{scalar(v)}]" for v, _ in column.values if not is_missing(v)]
    note = "rename them; map labels that are no subtype to `excluded`"
    return [
        "",
        f"vocabularies:  # the subtype labels of {column.name}: {note}",
        "  subtype:",
        *labels,
    ]


def render_misses(misses: Mapping[str, Mapping[str, list[tuple[str, int]]]]) -> list[str]:
    """Comment lines listing the values the shared vocabularies do not list, per vocabulary."""
    if not misses:
        return []
    out = [
        "",
        "# Values of the proposed columns that the shared vocabularies (config/config.yaml) do not",
        "# list: each would be counted in clinical/warnings.tsv and read as unknown. Add each under",
        "# the canonical value it means in config/config.yaml, or in a `vocabularies:` block here",
        "# (a vocabulary given here replaces the shared one for this cohort).",
    ]
    for vocab in sorted(misses):
        canon = VOCABULARY_VALUES.get(vocab, ("the cohort's own labels", "excluded"))
        out.append(f"#   {vocab} ({', '.join(canon)}):")
        for value, hits in misses[vocab].items():
            out.append(f"#     {scalar(value)}  # {', '.join(f'{c} ({n})' for c, n in hits)}")
    return out


def render_draft(study: StudyClinical, found: Scaffold) -> str:
    """The commented draft cohort file."""
    files = ", ".join(path.name for _, path, _ in study.files)
    text = [HEADER.format(study_id=study.study_id, folder=study.folder, files=files)]
    text += [f"study_id: {scalar(study.study_id)}"]
    text += [f"label: {json.dumps(study.name)}"] if study.name else []
    for section in SECTIONS.values():
        text += render_section(section, found.lines)
    text += render_subtypes(found) + render_misses(found.misses)
    return "\n".join(text) + "\n"


def summary(lines: Sequence[Line]) -> str:
    """How many fields are settled and how many lines need a decision."""
    settled = sum(not ln.reason for ln in lines)
    active = sum(bool(ln.reason and active_columns(ln)) for ln in lines)
    commented = len(lines) - settled - active
    return (
        f"{settled} fields settled, {active} UNCERTAIN lines to resolve, {commented} commented out"
    )


def draft_cohort(folder: str | Path, vocabularies: Mapping[str, object]) -> tuple[str, Scaffold]:
    """Propose a cohort file for a study folder.

    Parameters
    ----------
    folder : str or Path
        A study folder in cBioPortal's datahub layout (only its clinical files are read).
    vocabularies : mapping
        The shared vocabularies (``config/config.yaml``) the proposed columns' values are checked
        against.

    Returns
    -------
    text : str
        The commented draft cohort file.
    found : Scaffold
        The columns, field lines and vocabulary values it was written from.
    """
    study = read_study_clinical(folder)
    found = scaffold_study([(level, clin) for level, _, clin in study.files], vocabularies)
    return render_draft(study, found), found


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="her2cohort", description="HER2 cohort pipeline tools")
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser(
        "new-cohort",
        help="propose a cohort file (config/cohorts/<name>.yaml) for a study folder",
        description="Read a study's clinical files and write a commented draft cohort file: the "
        "column proposed for each canonical field, the evidence, and UNCERTAIN marks to resolve.",
    )
    new.add_argument("study_dir", type=Path, help="a study folder in cBioPortal's datahub layout")
    new.add_argument("--out", type=Path, help="write the draft here (default: standard output)")
    new.add_argument("--force", action="store_true", help="replace an existing --out file")
    new.add_argument(
        "--config",
        type=Path,
        default=Path("config/config.yaml"),
        help="configuration whose shared vocabularies values are checked against "
        "(default: config/config.yaml)",
    )
    return parser


def new_cohort(args: argparse.Namespace) -> None:
    """Write the draft cohort file of ``args.study_dir``; a one-line summary goes to stderr."""
    if args.out is not None and args.out.exists() and not args.force:
        raise DataError(f"{args.out}: exists (pass --force to replace it)")
    if not args.config.is_file():
        raise DataError(
            f"{args.config}: file not found (its shared vocabularies are needed: run from the "
            "pipeline's folder or pass --config)"
        )
    config = validate_config(load_yaml(args.config), str(args.config))
    text, found = draft_cohort(args.study_dir, config["vocabularies"])
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_text(text, args.out)
    where = f"wrote {args.out}" if args.out is not None else "draft on standard output"
    print(f"her2cohort new-cohort: {where}: {summary(found.lines)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        new_cohort(args)
    except (Her2cohortError, OSError) as exc:
        message = one_line_error(exc)
        if message is None:
            raise
        print(f"her2cohort error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
