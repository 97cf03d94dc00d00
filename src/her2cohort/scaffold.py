"""What ``her2cohort new-cohort STUDY_DIR`` finds: a column for each canonical field.

For every field of the cohort schema's ``fieldmap``, a study's clinical columns are looked at two
ways: by name (the column id or display name holds the field's words: ``HER2`` and ``IHC``, ...)
and by value (the share of non-missing values the field's grammar reads: IHC scores by
:func:`~her2cohort.harmonize.parse.parse_ihc`, ISH statuses by ``parse_ish_status``, ratios and
copy numbers by ``parse_ish_value``, months as numbers from 0 to 600, ...). A HER2 or receptor
column whose text says "primary" is the ``primary_`` field's, one that says "sequenced" (or
metastatic) the plain field's; one that says nothing is the plain field's in the sample file and
the ``primary_`` field's in the patient file (a patient-level result describes the primary
tumour, as TCGA's do). Each file's columns go under its section (``sample_fields``,
``patient_fields``). A field is settled when exactly one column is named like it, with the
tissue its text or file says, and at least 90% of its values parse; else it is uncertain (a
``Line`` with a ``reason``). :mod:`her2cohort.cli` reads the study and writes the draft.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from her2cohort.clinical import VOCAB_OF
from her2cohort.config import load_schema
from her2cohort.harmonize.parse import (
    MISSING_TOKENS,
    NOT_DONE_TOKENS,
    parse_ihc,
    parse_ish_status,
    parse_ish_value,
)
from her2cohort.source.folder import ClinicalFile

CONFIDENT_SHARE = 0.9  #: a settled column: at least this share of its values parse
NAMED_SHARE = 0.5  #: a column named like a field is a candidate from this share on
SECTIONS = {"sample": "sample_fields", "patient": "patient_fields"}
ID_COLUMNS = frozenset({"SAMPLE_ID", "PATIENT_ID"})
_MISSING = MISSING_TOKENS | NOT_DONE_TOKENS | {"null", "none", "not evaluated", "not reported"}
_OK = {"parsed", "failed", "not_done"}


def is_missing(value: str) -> bool:
    """A value that says nothing ('NA', 'Not Applicable', TCGA's bracketed '[Not Available]')."""
    low = value.strip().lower()
    return low in _MISSING or (low.startswith("[") and low.endswith("]"))


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _in_range(lo: float, hi: float) -> Callable[[str], bool]:
    return lambda value: _NUMBER.match(value) is not None and lo <= float(value) <= hi


def _matches(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda value: regex.search(value) is not None


#: value grammar of each kind of field: does it read one (non-missing) value?
GRAMMARS: dict[str, Callable[[str], bool]] = {
    "ihc": lambda v: parse_ihc(v).parse_status in _OK,
    "ish_status": lambda v: parse_ish_status(v).parse_status == "parsed",
    "ish_ratio": lambda v: (p := parse_ish_value(v)).parse_status in _OK and not p.implausible,
    "copy_number": lambda v: parse_ish_value(v).parse_status in _OK,
    "receptor": _matches(r"^(pos(itive)?|neg(ative)?|equivocal|\+|-)\s*(\([^()]*\))?$"),
    "os_status": _matches(r"^([01]\s*:\s*)?(deceased|dead|living|alive)$"),
    "sample_type": _matches(r"^(primary|metasta|recurren)"),
    "cn_status": _matches(r"^(gain|neut(ral)?|loss|amp(lified)?|homdel|hetloss|undef(ined)?)$"),
    "subtype": _matches(
        r"^(brca_)?(lum(inal)?[ _-]?[ab]|her2([ _-]?enriched)?|basal([ _-]?like)?"
        r"|normal([ _-]?like)?|claudin[ _-]?low)$"
    ),
    "stage": _matches(r"^(stage\s*)?(0|i{1,3}[abc]?|iv[abc]?|[1-4][abc]?|x)$"),
    "months": _in_range(0, 600),
    "age": _in_range(0, 120),
    "number": _in_range(-math.inf, math.inf),
}
#: distinct values that parse a column needs (2 unless given: a constant says nothing; a 0/1
#: flag is no time)
MIN_DISTINCT = {"sample_type": 1, "os_status": 1, "months": 3, "age": 3, "number": 3}
#: words of columns named like a quantity no canonical field holds: never offered by values alone
OTHER_WORDS = frozenset(
    "TMB PCT PERCENT GRADE SIZE COHORT NPI CLUSTER DFS DSS PFS DAYS EVENT BIRTH WEIGHT HEIGHT"
    " CONTACT FOLLOWUP RECURRENCE DEATH CENT17 CEP17 CHR17 FRACTION COUNT".split()
)


@dataclass(frozen=True)
class FieldSpec:
    """How a canonical field is recognised.

    Attributes
    ----------
    kind : str
        Key of :data:`GRAMMARS`: the grammar of its values.
    words, exclude : tuple of frozenset of str, frozenset of str
        A column named like the field has one word of every group of ``words`` in its id or
        display name, and none of ``exclude``.
    tissue : bool
        The field has a ``primary_`` twin (HER2 and receptor fields).
    """

    kind: str
    words: tuple[frozenset[str], ...]
    exclude: frozenset[str] = frozenset()
    tissue: bool = False


def _spec(kind: str, *groups: str, exclude: str = "", tissue: bool = False) -> FieldSpec:
    words = tuple(frozenset(g.split()) for g in groups)
    return FieldSpec(kind, words, frozenset(exclude.split()), tissue)


_HER2, _ISH = "HER2 ERBB2", "FISH ISH CISH SISH DISH"
#: recognition of each canonical field (a ``primary_`` field uses its plain twin's)
SPECS: dict[str, FieldSpec] = {
    "sample_type": _spec("sample_type", "SAMPLE", "TYPE"),
    "her2_ihc": _spec("ihc", _HER2, "IHC", tissue=True),
    "her2_ish_status": _spec("ish_status", _HER2, _ISH, tissue=True),
    "her2_ish_ratio": _spec("ish_ratio", _HER2, "RATIO", tissue=True),
    "her2_ish_copy_number": _spec("copy_number", _HER2, "COPY CN", exclude="RATIO", tissue=True),
    "her2_status": _spec("receptor", _HER2, "STATUS", exclude="IHC " + _ISH, tissue=True),
    "her2_ihc_status": _spec("receptor", _HER2, "IHC", tissue=True),
    "her2_cn_status": _spec("cn_status", _HER2, "SNP6 CNA GISTIC CN COPY"),
    "hr_status": _spec("receptor", "HR HORMONE", tissue=True),
    "er_status": _spec("receptor", "ER ESTROGEN", tissue=True),
    "pr_status": _spec("receptor", "PR PGR PROGESTERONE", tissue=True),
    "subtype": _spec(
        "subtype", "SUBTYPE PAM50 CLAUDIN INTRINSIC", exclude="HISTOLOGIC HISTOLOGICAL"
    ),
    "os_months": _spec("months", "OS OVERALL", "MONTHS MONTH"),
    "os_status": _spec("os_status", "OS OVERALL", "STATUS"),
    "diagnosis_time": _spec("number", "DX DIAGNOSIS", "TIME", exclude="AGE"),
    "sequencing_time": _spec("number", "NGS SEQUENCING SEQUENCED", "TIME"),
    "age": _spec("age", "AGE"),
    "stage": _spec("stage", "STAGE", exclude="EDITION"),
}


def canonical_fields() -> list[str]:
    """Every canonical field, in the order of the cohort schema's ``fieldmap``."""
    return list(load_schema("cohort")["$defs"]["fieldmap"]["properties"])


def spec_of(field: str) -> tuple[FieldSpec, bool]:
    """The field's recognition and whether it is a ``primary_`` field."""
    base = field.removeprefix("primary_")
    return SPECS[base], base != field


@dataclass(frozen=True)
class Column:
    """One clinical column: id, level (``sample`` / ``patient``: its file), the upper-case words
    of its id and display name, the tumour its text names (``primary``, ``other``: sequenced or
    metastatic, ``mixed`` or ``none``) and its distinct values with counts, most frequent first."""

    name: str
    level: str
    words: frozenset[str]
    tissue: str
    values: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Candidate:
    """A column proposed for a field: by name or by values only, how surely its tissue fits (2 its
    text or file says so, 1 its text names primary and other tumours, 0 it says nothing), and the
    share of its ``n`` non-missing values that parse."""

    column: str
    by_name: bool
    tier: int
    share: float
    n: int


@dataclass(frozen=True)
class Line:
    """One field in one section: its candidates, best first, and why the first is not settled
    (``reason``; empty when it is)."""

    section: str
    field: str
    candidates: tuple[Candidate, ...]
    reason: str


def words_of(*texts: str) -> frozenset[str]:
    """Upper-case alphanumeric words of the texts."""
    return frozenset(w for text in texts for w in re.findall(r"[A-Z0-9]+", text.upper()))


def tissue_of(words: frozenset[str]) -> str:
    """``primary``, ``other``, ``mixed`` or ``none``: the tumour a column's text names."""
    primary = "PRIMARY" in words
    other = bool(words & {"SEQUENCED", "SEQUENCING", "NGS", "METASTATIC", "METASTASIS"})
    return "mixed" if primary and other else "primary" if primary else "other" if other else "none"


def profile_columns(clinical: ClinicalFile, level: str) -> list[Column]:
    """The non-id columns of one clinical file (words from its '#' display and description rows)."""
    attrs = clinical.attributes.set_index("attribute_id")
    out = []
    for name in (c for c in clinical.table.columns if c not in ID_COLUMNS):
        display, about = (attrs.at[name, k] for k in ("display_name", "description"))
        words = words_of(name, display if isinstance(display, str) else "")
        tissue = tissue_of(words | words_of(about if isinstance(about, str) else ""))
        counts = clinical.table[name].dropna().value_counts()
        out.append(
            Column(name, level, words, tissue, tuple((str(v), int(n)) for v, n in counts.items()))
        )
    return out


def value_fit(kind: str, column: Column) -> tuple[float, int]:
    """Share of the column's non-missing values the kind's grammar reads, and their number."""
    present = [(v, n) for v, n in column.values if not is_missing(v)]
    total = sum(n for _, n in present)
    ok = [(v, n) for v, n in present if GRAMMARS[kind](v)]
    if not total or len(ok) < MIN_DISTINCT.get(kind, 2):
        return 0.0, total
    return sum(n for _, n in ok) / total, total


def named_like(spec: FieldSpec, words: frozenset[str]) -> bool:
    """Whether a column's name words say it holds the field."""
    return all(group & words for group in spec.words) and not spec.exclude & words


def tissue_tier(column: Column, primary: bool) -> int | None:
    """How surely the column describes the field's tumour (see :class:`Candidate`); None: not it."""
    if column.tissue == "mixed":
        return 1 if primary or column.level == "sample" else None
    if column.tissue == "none":
        if column.level == "patient":
            return 2 if primary else None
        return 0 if primary else 2
    return 2 if (column.tissue == "primary") == primary else None


FitTable = Mapping[tuple[str, str, str], tuple[float, int]]


def fit_table(columns: Sequence[Column]) -> dict[tuple[str, str, str], tuple[float, int]]:
    """``value_fit`` of every kind for every column, keyed by (kind, level, column)."""
    return {(k, c.level, c.name): value_fit(k, c) for k in GRAMMARS for c in columns}


def claimed_columns(columns: Sequence[Column], fits: FitTable) -> set[tuple[str, str]]:
    """(level, column) of columns named like some field whose values fit it, or like a quantity
    no field holds (:data:`OTHER_WORDS`): none is offered by its values alone."""
    return {
        (c.level, c.name)
        for c in columns
        for spec in SPECS.values()
        if c.words & OTHER_WORDS
        or (named_like(spec, c.words) and fits[spec.kind, c.level, c.name][0] >= NAMED_SHARE)
    }


def candidates_for(
    field: str, columns: Sequence[Column], fits: FitTable, claimed: set[tuple[str, str]]
) -> list[Candidate]:
    """Columns that may hold the field: named ones first, then by tissue tier and share."""
    spec, primary = spec_of(field)
    out = []
    for col in columns:
        tier = tissue_tier(col, primary) if spec.tissue else 2
        share, n = fits[spec.kind, col.level, col.name]
        by_name = named_like(spec, col.words)
        if tier is None or share < (NAMED_SHARE if by_name else CONFIDENT_SHARE):
            continue
        if by_name or (col.level, col.name) not in claimed:
            out.append(Candidate(col.name, by_name, tier, share, n))
    return sorted(out, key=lambda c: (not c.by_name, -c.tier, -c.share))


def uncertainty(candidates: Sequence[Candidate]) -> str:
    """Why the first candidate is not settled ('' when it is)."""
    named = [c for c in candidates if c.by_name]
    if not named:
        return "found by values only"
    best = named[0]
    if best.tier == 1:
        return f"{best.column}'s description names the primary and other tumours"
    if best.tier == 0:
        return f"{best.column} does not say it describes the primary tumour"
    if rivals := [c.column for c in named[1:] if c.tier == 2]:
        return f"{len(rivals) + 1} columns are named like it"
    if best.share < CONFIDENT_SHARE:
        return f"only {best.share:.0%} of {best.column}'s values parse"
    return ""


def settle(lines: Sequence[Line]) -> list[Line]:
    """Make settled lines use distinct columns and drop what they make redundant.

    A column settled for two fields, or a field settled in both sections, unsettles both lines; a
    field settled in one section loses its unsettled line in the other; a column settled for a
    field leaves other fields' candidates.
    """
    uses = Counter((ln.section, ln.candidates[0].column) for ln in lines if not ln.reason)
    sections = Counter(ln.field for ln in lines if not ln.reason)

    def clash(ln: Line) -> str:
        if not ln.reason and uses[ln.section, ln.candidates[0].column] > 1:
            return f"{ln.candidates[0].column} is proposed for another field too"
        return "named like it in both files" if sections[ln.field] > 1 else ln.reason

    lines = [replace(ln, reason=clash(ln)) for ln in lines]
    used = {(ln.section, ln.candidates[0].column) for ln in lines if not ln.reason}
    fields = {ln.field for ln in lines if not ln.reason}
    out = []
    for ln in lines:
        if ln.reason:
            rest = tuple(c for c in ln.candidates if (ln.section, c.column) not in used)
            if ln.field in fields or not rest:
                continue
            ln = replace(ln, candidates=rest)
        out.append(ln)
    return out


def propose(columns: Sequence[Column], fields: Sequence[str]) -> list[Line]:
    """The field lines, in ``fields`` order, each field's sample-section line first."""
    fits = fit_table(columns)
    claimed = claimed_columns(columns, fits)
    lines = []
    for field in fields:
        for level, section in SECTIONS.items():
            cands = candidates_for(field, [c for c in columns if c.level == level], fits, claimed)
            if cands:
                lines.append(Line(section, field, tuple(cands), uncertainty(cands)))
    return settle(lines)


def active_columns(line: Line) -> list[str]:
    """Columns a line maps (settled) or offers to map (an UNCERTAIN line with a named column,
    written uncommented); none for a line found by values only (written commented out)."""
    if not line.reason:
        return [line.candidates[0].column]
    return [c.column for c in line.candidates] if line.candidates[0].by_name else []


def vocabulary_misses(
    lines: Sequence[Line], columns: Sequence[Column], vocabularies: Mapping[str, Any]
) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """vocabulary -> value -> [(column, count)]: the values of the lines' active vocabulary
    columns that the shared vocabularies do not list (but a settled subtype column: the draft
    lists its labels as the cohort's own subtype vocabulary)."""
    by_key = {(SECTIONS[c.level], c.name): c for c in columns}
    out: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for line in lines:
        vocab = VOCAB_OF.get(line.field)
        if vocab is None or (vocab == "subtype" and not line.reason):
            continue
        vocabulary = vocabularies.get(vocab) or {}
        known = {str(raw).strip() for raws in vocabulary.values() for raw in raws}
        for name in active_columns(line):
            for value, n in by_key[line.section, name].values:
                if value in known:
                    continue
                hits = out.setdefault(vocab, {}).setdefault(value, [])
                if (name, n) not in hits:
                    hits.append((name, n))
    return out


@dataclass(frozen=True)
class Scaffold:
    """A study's columns, field lines (:func:`propose`) and values to add (:func:`vocabulary_misses`)."""

    columns: tuple[Column, ...]
    lines: tuple[Line, ...]
    misses: dict[str, dict[str, list[tuple[str, int]]]]


def scaffold_study(
    files: Sequence[tuple[str, ClinicalFile]], vocabularies: Mapping[str, Any]
) -> Scaffold:
    """Propose the field lines of a study's cohort file.

    Parameters
    ----------
    files : sequence of (str, ClinicalFile)
        The study's clinical files, each with its level (``"sample"`` or ``"patient"``).
    vocabularies : mapping
        The shared vocabularies (``config/config.yaml``) the proposed columns' values are checked
        against.
    """
    columns = [col for level, clin in files for col in profile_columns(clin, level)]
    lines = propose(columns, canonical_fields())
    return Scaffold(tuple(columns), tuple(lines), vocabulary_misses(lines, columns, vocabularies))
