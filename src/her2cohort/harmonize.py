"""HER2 harmonization: parse raw IHC / ISH values, then assign HER2-0 / HER2-low / HER2-positive.

Parsing works on the *distinct* raw values (a study has tens of them, whatever its size) and maps
the results back to samples with a vectorised join. Nothing is guessed: a value the grammar below
does not cover gets ``parse_status == "unparsed"``, is listed in the audit, and yields ``unknown``.

Rule sets
---------
``ihc_only`` (the rule behind the published table): the IHC score alone. ``0+`` -> HER2-0;
``0-1+``, ``1+``, ``1-2+``, ``2+`` -> HER2-low whatever the ISH; ``3+``, ``2-3+`` -> HER2-positive;
no IHC score -> unknown.

``asco_cap_2018`` (the clinical standard): IHC 3+ -> positive; IHC 2+ -> positive if ISH amplified,
HER2-low if not, unknown if ISH is missing / failed / equivocal; IHC 1+ -> HER2-low; IHC 0 -> HER2-0;
ISH amplified with IHC 0/1+ -> positive, flagged discordant. ISH amplification comes from the
ASCO/CAP 2018 dual-probe groups 1-5 where both ratio and average copy number exist, else from the
reported ISH status. A score range takes its upper score (``1-2+`` is read as 2+, ``2-3+`` as 3+),
except ``0-1+``, whose assignment (zero / low / unknown) is a configuration option.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

CATEGORIES = ("HER2-0", "HER2-low", "HER2-positive", "unknown")
RULES = ("ihc_only", "asco_cap_2018")
ZERO_ONE_OPTIONS = ("zero", "low", "unknown")
#: the 0-1+ assignment each rule uses by default (ihc_only follows the published table)
RULE_DEFAULT_ZERO_ONE = {"ihc_only": "low"}

MISSING_TOKENS = {
    "",
    "na",
    "n/a",
    "nan",
    "not available",
    "unk/nd",
    "unknown",
    "unk",
    "[not available]",
}
NOT_DONE_TOKENS = {"not applicable", "not done", "not performed", "nd"}
FAILED_TOKENS = {"test failure", "failed", "failure", "msk failed"}

_NUM = r"(\d+(?:\.\d+)?)"


# --------------------------------------------------------------------------------------- IHC
@dataclass(frozen=True)
class IhcParse:
    parse_status: str  # parsed | missing | not_done | failed | unparsed
    score: str | None = None  # normalised label: '0+', '0-1+', '2+', ...
    score_low: float = np.nan
    score_high: float = np.nan
    focal: bool = False
    outside: bool = False
    outside_score: str | None = None
    heterogeneous: bool = False
    heterogeneous_pct: str | None = None
    note: str | None = None


_IHC_RE = re.compile(
    r"^(?P<lo>[0-3])\s*\+?\s*(?:(?:-|–|to)\s*(?P<hi>[0-3])\s*\+?)?\s*(?P<rest>.*)$", re.IGNORECASE
)


def _label(lo: int, hi: int) -> str:
    return f"{lo}+" if lo == hi else f"{lo}-{hi}+"


def parse_ihc(raw: Any) -> IhcParse:
    """Parse one raw IHC value ('1+', '0-1+', '3+ (2+ outside)', '1+ (focal)', ...)."""
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA:
        return IhcParse("missing")
    text = str(raw).strip()
    low = text.lower()
    if low in MISSING_TOKENS:
        return IhcParse("missing")
    if low in NOT_DONE_TOKENS:
        return IhcParse("not_done")
    if low in FAILED_TOKENS:
        return IhcParse("failed")
    m = _IHC_RE.match(text)
    if not m:
        return IhcParse("unparsed", note=f"no IHC score in {text!r}")
    lo = int(m.group("lo"))
    hi = int(m.group("hi")) if m.group("hi") is not None else lo
    if hi < lo or (hi - lo) > 1:
        return IhcParse("unparsed", note=f"implausible IHC range {text!r}")
    rest = m.group("rest").strip()
    flags: dict[str, Any] = {}
    if rest:
        mods = re.findall(r"\(([^()]*)\)", rest)
        leftover = re.sub(r"\([^()]*\)", "", rest).strip(" ,;")
        if leftover:
            mods.append(leftover)
        for mod in mods:
            mod_l = mod.strip().lower()
            if mod_l == "focal":
                flags["focal"] = True
            elif mod_l in ("outside", "osh"):
                flags["outside"] = True
            elif mm := re.fullmatch(
                r"(?:outside|osh)\s*:?\s*([0-3](?:\s*-\s*[0-3])?\s*\+?)", mod_l
            ):
                flags["outside"] = True
                flags["outside_score"] = mm.group(1).replace(" ", "")
            elif mm := re.fullmatch(r"([0-3](?:\s*-\s*[0-3])?\s*\+?)\s*(?:outside|osh)", mod_l):
                flags["outside"] = True
                flags["outside_score"] = mm.group(1).replace(" ", "")
            elif mm := re.fullmatch(r"heterogen(?:e)?ous(?:\s+(.*))?", mod_l):
                flags["heterogeneous"] = True
                if mm.group(1):
                    flags["heterogeneous_pct"] = mm.group(1).strip()
            else:
                return IhcParse("unparsed", note=f"unrecognised modifier {mod!r} in {text!r}")
    return IhcParse("parsed", _label(lo, hi), float(lo), float(hi), **flags)


# --------------------------------------------------------------------------------------- ISH
@dataclass(frozen=True)
class IshStatusParse:
    parse_status: str  # parsed | missing | unparsed
    status: str = "missing"  # positive | negative | equivocal | failed | not_done | missing
    outside: bool = False
    note: str | None = None


ISH_STATUS_WORDS = {
    "positive": "positive",
    "amplified": "positive",
    "negative": "negative",
    "not amplified": "negative",
    "non-amplified": "negative",
    "equivocal": "equivocal",
    "test failure": "failed",
    "failed": "failed",
    "failure": "failed",
    "not applicable": "not_done",
    "not done": "not_done",
    "not performed": "not_done",
}


def parse_ish_status(raw: Any) -> IshStatusParse:
    """Parse a reported ISH (FISH) status: 'Positive', 'Negative (outside)', 'Test Failure', ..."""
    if raw is None or raw is pd.NA or (isinstance(raw, float) and np.isnan(raw)):
        return IshStatusParse("missing")
    text = str(raw).strip()
    low = text.lower()
    if low in MISSING_TOKENS:
        return IshStatusParse("missing")
    mods = re.findall(r"\(([^()]*)\)", low)
    base = re.sub(r"\([^()]*\)", "", low).strip()
    if base not in ISH_STATUS_WORDS:
        return IshStatusParse("unparsed", note=f"unknown ISH status {text!r}")
    outside = False
    for mod in mods:
        if mod.strip() in ("outside", "osh"):
            outside = True
        else:
            return IshStatusParse("unparsed", note=f"unrecognised modifier {mod!r} in {text!r}")
    return IshStatusParse("parsed", ISH_STATUS_WORDS[base], outside)


@dataclass(frozen=True)
class IshValueParse:
    parse_status: str  # parsed | missing | not_done | failed | unparsed
    ratio: float = np.nan
    copy_number: float = np.nan
    other_ratios: str | None = None
    outside_ratio: float = np.nan
    outside: bool = False
    local_failed: bool = False
    heterogeneous: bool = False
    implausible: bool = False
    note: str | None = None


def parse_ish_value(raw: Any) -> IshValueParse:
    """Parse an ISH ratio field that may carry copy number and notes.

    '1.1' | '2 (CN 4.8)' | '4.0, CN 9.7' | '1.3 (OSH CN 4.2)' | '1.8, MSK failed' | '1.4, 1.9' |
    '1.7 (Outside: 2.4)' | '1.4 (CN 3.0) (same sample OSH 2.3)' | '2.4 (heterogenous)' | 'Not done'.
    """
    if raw is None or raw is pd.NA or (isinstance(raw, float) and np.isnan(raw)):
        return IshValueParse("missing")
    text = str(raw).strip()
    low = text.lower()
    if low in MISSING_TOKENS:
        return IshValueParse("missing")
    base = re.sub(r"\([^()]*\)", "", low).strip()
    if base in NOT_DONE_TOKENS:
        return IshValueParse("not_done", note=text)
    if base in FAILED_TOKENS:
        return IshValueParse("failed", note=text)
    m = re.match(rf"^{_NUM}\s*(?P<rest>.*)$", text)
    if not m:
        return IshValueParse("unparsed", note=f"no ratio in {text!r}")
    ratio = float(m.group(1))
    rest = m.group("rest").strip()
    out: dict[str, Any] = {}
    extra_ratios: list[str] = []
    if rest:
        parts = re.findall(r"\(([^()]*)\)", rest)
        leftover = re.sub(r"\([^()]*\)", " ", rest)
        parts += [p.strip() for p in leftover.split(",") if p.strip()]
        for part in parts:
            p = part.strip().lower()
            if mm := re.fullmatch(rf"(osh|outside)?[\s,:]*cn\s*[:=]?\s*{_NUM}", p):
                out["copy_number"] = float(mm.group(2))
                if mm.group(1):
                    out["outside"] = True
            elif mm := re.fullmatch(rf"(?:same sample\s+)?(?:osh|outside)\s*:?\s*{_NUM}", p):
                out["outside_ratio"] = float(mm.group(1))
            elif p in ("msk failed", "failed"):
                out["local_failed"] = True
            elif re.fullmatch(r"heterogen(?:e)?ous", p):
                out["heterogeneous"] = True
            elif re.fullmatch(_NUM, p):
                extra_ratios.append(p)
            else:
                return IshValueParse("unparsed", note=f"unrecognised part {part!r} in {text!r}")
    if extra_ratios:
        out["other_ratios"] = ";".join(extra_ratios)
    implausible = ratio <= 0 or ratio > 50 or out.get("copy_number", 1.0) <= 0
    return IshValueParse("parsed", ratio=ratio, implausible=implausible, **out)


def ish_group(
    ratio: float, cn: float, ratio_cut: float = 2.0, cn_low: float = 4.0, cn_high: float = 6.0
) -> float:
    """ASCO/CAP 2018 dual-probe ISH group (1-5), NaN where ratio or copy number is missing."""
    if np.isnan(ratio) or np.isnan(cn):
        return np.nan
    if ratio >= ratio_cut:
        return 1.0 if cn >= cn_low else 2.0
    if cn >= cn_high:
        return 3.0
    if cn >= cn_low:
        return 4.0
    return 5.0


# ------------------------------------------------------------------------------- per sample
def _parse_column(values: pd.Series, parser: Any, prefix: str) -> pd.DataFrame:
    """Parse the distinct values of a column and join the result back to every row."""
    raw = values.astype("string")
    keys = raw.fillna("<NA>")
    distinct = keys.drop_duplicates()
    parsed = pd.DataFrame(
        [asdict(parser(None if k == "<NA>" else k)) for k in distinct], index=distinct.to_numpy()
    )
    parsed = parsed.add_prefix(prefix)
    out = parsed.reindex(keys.to_numpy())
    out.index = values.index
    out.insert(0, f"{prefix}raw", raw)
    return out


def parse_her2_fields(clinical: pd.DataFrame, tissue: str = "") -> pd.DataFrame:
    """Parse a tissue's IHC / ISH status / ISH ratio (/ copy number) fields ('' or 'primary_')."""
    ihc = _parse_column(clinical[f"{tissue}her2_ihc"], parse_ihc, "ihc_")
    st = _parse_column(clinical[f"{tissue}her2_ish_status"], parse_ish_status, "ish_status_")
    val = _parse_column(clinical[f"{tissue}her2_ish_ratio"], parse_ish_value, "ish_")
    cn_col = clinical[f"{tissue}her2_ish_copy_number"]
    if cn_col.notna().any():
        cn = pd.to_numeric(cn_col, errors="coerce")
        val["ish_copy_number"] = val["ish_copy_number"].where(val["ish_copy_number"].notna(), cn)
    return pd.concat([ihc, st, val], axis=1)


def _amplification(
    parsed: pd.DataFrame, ihc_eff: pd.Series, cuts: dict[str, float]
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (ISH group, amplified True/False/NA, basis) per row."""
    usable = (parsed["ish_parse_status"] == "parsed") & ~parsed["ish_implausible"].fillna(
        False
    ).astype(bool)
    ratio = parsed["ish_ratio"].where(usable).astype(float)
    cn = parsed["ish_copy_number"].where(usable).astype(float)
    rc, lo, hi = cuts["ish_ratio_cut"], cuts["ish_cn_low"], cuts["ish_cn_high"]
    group = pd.Series(
        np.select(
            [ratio.isna() | cn.isna(), ratio >= rc, cn >= hi, cn >= lo],
            [np.nan, np.where(cn >= lo, 1.0, 2.0), 3.0, 4.0],
            default=5.0,
        ),
        index=parsed.index,
    )
    amp = pd.Series(pd.NA, index=parsed.index, dtype="boolean")
    basis = pd.Series("ISH missing", index=parsed.index, dtype="string")
    status = parsed["ish_status_status"].fillna("missing")
    by_status = group.isna()
    amp[by_status & (status == "positive")] = True
    amp[by_status & (status == "negative")] = False
    basis[by_status] = "ISH status " + status[by_status].astype(str)
    has_group = group.notna()
    amp[has_group & (group == 1)] = True
    amp[has_group & group.isin([2, 4, 5])] = False
    amp[has_group & (group == 3)] = ihc_eff[has_group & (group == 3)] >= 2
    basis[has_group] = "ISH group " + group[has_group].astype(int).astype(str)
    return group, amp, basis


def _effective_ihc(parsed: pd.DataFrame, zero_one: str) -> pd.Series:
    """IHC score used by the rules: upper end of a range; 0-1+ per the assignment option."""
    eff = parsed["ihc_score_high"].astype(float).copy()
    zero_one_mask = parsed["ihc_score"] == "0-1+"
    eff[zero_one_mask] = {"zero": 0.0, "low": 1.0, "unknown": np.nan}[zero_one]
    eff[parsed["ihc_parse_status"] != "parsed"] = np.nan
    return eff


def classify(
    parsed: pd.DataFrame,
    rule: str,
    zero_one: str,
    her2_status: pd.Series | None = None,
    cuts: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Assign the HER2 category and the reason under one rule set and 0-1+ assignment."""
    if rule not in RULES:
        raise ValueError(f"unknown HER2 rule set {rule!r} (choose from {', '.join(RULES)})")
    if zero_one not in ZERO_ONE_OPTIONS:
        raise ValueError(f"unknown 0-1+ assignment {zero_one!r}")
    cuts = {"ish_ratio_cut": 2.0, "ish_cn_low": 4.0, "ish_cn_high": 6.0, **(cuts or {})}
    eff = _effective_ihc(parsed, zero_one)
    score = parsed["ihc_score"].fillna("")
    ihc_state = parsed["ihc_parse_status"].fillna("missing")
    n = len(parsed)
    category = np.full(n, "unknown", dtype=object)
    reason = np.full(n, "", dtype=object)
    discordant = np.zeros(n, dtype=bool)
    group, amp, basis = _amplification(parsed, eff, cuts)
    no_ihc = (ihc_state != "parsed").to_numpy()
    z1_unknown = ((score == "0-1+") & eff.isna()).to_numpy()
    reason[no_ihc] = "no IHC score (" + ihc_state[no_ihc].astype(str) + ")"
    reason[z1_unknown] = "IHC 0-1+ assigned unknown"
    e = eff.to_numpy()
    lab = score.to_numpy().astype(object)
    zo = lab == "0-1+"
    lab[zo] = lab[zo] + f" (0-1+ assigned {zero_one})"
    if rule == "ihc_only":
        for cond, cat in (
            (e == 0, "HER2-0"),
            ((e >= 1) & (e <= 2), "HER2-low"),
            (e == 3, "HER2-positive"),
        ):
            category[cond] = cat
            reason[cond] = "IHC " + lab[cond].astype(str)
    else:
        a = amp.to_numpy(dtype=object, na_value=None)
        is_amp = np.array([x is True for x in a])
        not_amp = np.array([x is False for x in a])
        b = basis.to_numpy().astype(str)
        rules = [
            (e == 3, "HER2-positive", "IHC " + lab + " (3+)"),
            ((e == 2) & is_amp, "HER2-positive", "IHC " + lab + ", amplified by " + b),
            ((e == 2) & not_amp, "HER2-low", "IHC " + lab + ", not amplified by " + b),
            ((e == 2) & ~is_amp & ~not_amp, "unknown", "IHC " + lab + ", " + b),
            (
                (e <= 1) & is_amp,
                "HER2-positive",
                "IHC " + lab + " but amplified by " + b + " (discordant)",
            ),
            ((e == 1) & ~is_amp, "HER2-low", "IHC " + lab),
            ((e == 0) & ~is_amp, "HER2-0", "IHC " + lab),
            ((no_ihc | z1_unknown) & is_amp, "HER2-positive", "no usable IHC; amplified by " + b),
        ]
        for cond, cat, why in rules:
            category[cond] = cat
            reason[cond] = why[cond]
        discordant = (e <= 1) & is_amp
        if her2_status is not None:
            hs = her2_status.fillna("").to_numpy()
            no_info = no_ihc & ~is_amp & ~not_amp
            pos = no_info & (hs == "positive")
            category[pos] = "HER2-positive"
            reason[pos] = "no IHC/ISH values; clinical HER2 status positive"
            neg = no_info & (hs == "negative")
            reason[neg] = (
                "no IHC score: HER2-negative, but HER2-0 and HER2-low cannot be told apart"
            )
    return pd.DataFrame(
        {
            "ish_group": group.to_numpy(),
            "ish_amplified": amp.to_numpy(dtype=object),
            "her2_category": category,
            "reason": reason,
            "discordant": discordant,
        },
        index=parsed.index,
    )


SAMPLE_COLUMNS = [
    "sample_id",
    "patient_id",
    "sample_type",
    "rule",
    "zero_one_plus",
    "ihc_raw",
    "ihc_parse_status",
    "ihc_score",
    "ihc_focal",
    "ihc_outside",
    "ihc_outside_score",
    "ihc_heterogeneous",
    "ihc_heterogeneous_pct",
    "ish_status_raw",
    "ish_status_status",
    "ish_status_outside",
    "ish_raw",
    "ish_parse_status",
    "ish_ratio",
    "ish_copy_number",
    "ish_other_ratios",
    "ish_outside_ratio",
    "ish_outside",
    "ish_local_failed",
    "ish_heterogeneous",
    "ish_implausible",
    "ish_group",
    "ish_amplified",
    "her2_status",
    "her2_category",
    "reason",
    "discordant",
    "primary_ihc_raw",
    "primary_ish_status_raw",
    "primary_ish_raw",
    "primary_her2_category",
    "primary_reason",
]


def zero_one_for(rule: str, configured: str) -> str:
    return RULE_DEFAULT_ZERO_ONE.get(rule, configured)


def harmonize_samples(
    clinical: pd.DataFrame, rule: str, zero_one: str, cuts: dict[str, float] | None = None
) -> pd.DataFrame:
    """The per-sample table of one rule set: raw and parsed fields, category and reason."""
    seq = parse_her2_fields(clinical)
    cls = classify(seq, rule, zero_one, clinical["her2_status"], cuts)
    prim = parse_her2_fields(clinical, "primary_")
    pcls = classify(prim, rule, zero_one, clinical["primary_her2_status"], cuts)
    out = pd.concat(
        [clinical[["sample_id", "patient_id", "sample_type", "her2_status"]], seq, cls], axis=1
    )
    out["rule"] = rule
    out["zero_one_plus"] = zero_one
    out["primary_ihc_raw"] = prim["ihc_raw"]
    out["primary_ish_status_raw"] = prim["ish_status_raw"]
    out["primary_ish_raw"] = prim["ish_raw"]
    out["primary_her2_category"] = pcls["her2_category"]
    out["primary_reason"] = pcls["reason"]
    return out[SAMPLE_COLUMNS]


def all_scenarios(clinical: pd.DataFrame, cuts: dict[str, float] | None = None) -> pd.DataFrame:
    """Long table of categories for every rule x 0-1+ assignment x tissue (sequenced / primary)."""
    frames = []
    parsed = {t: parse_her2_fields(clinical, t) for t in ("", "primary_")}
    status = {"": clinical["her2_status"], "primary_": clinical["primary_her2_status"]}
    for rule in RULES:
        for z in ZERO_ONE_OPTIONS:
            for tissue, p in parsed.items():
                cls = classify(p, rule, z, status[tissue], cuts)
                frames.append(
                    pd.DataFrame(
                        {
                            "sample_id": clinical["sample_id"],
                            "patient_id": clinical["patient_id"],
                            "rule": rule,
                            "zero_one_plus": z,
                            "tissue": "primary" if tissue else "sequenced",
                            "her2_category": cls["her2_category"],
                            "discordant": cls["discordant"],
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)


Parser = Callable[[Any], IhcParse | IshStatusParse | IshValueParse]

AUDIT_FIELDS: dict[str, Parser] = {
    "her2_ihc": parse_ihc,
    "her2_ish_status": parse_ish_status,
    "her2_ish_ratio": parse_ish_value,
    "primary_her2_ihc": parse_ihc,
    "primary_her2_ish_status": parse_ish_status,
    "primary_her2_ish_ratio": parse_ish_value,
}


def _describe(parse: Any) -> str:
    d = asdict(parse)
    d.pop("parse_status")
    parts = []
    for k, v in d.items():
        if v is None or v is False or (isinstance(v, float) and np.isnan(v)):
            continue
        parts.append(k if v is True else f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}")
    return "; ".join(parts)


STATUS_AUDIT_FIELDS = (
    "her2_status",
    "primary_her2_status",
    "her2_ihc_status",
    "primary_her2_ihc_status",
    "her2_cn_status",
)


def audit(
    clinical: pd.DataFrame,
    columns: dict[str, str],
    samples: pd.DataFrame,
    unmapped: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each distinct raw HER2 value of each mapped field -> parse result -> count (and categories).

    `columns` maps canonical field -> source column id; `samples` is :func:`harmonize_samples`
    output, used to count the categories the value ends in under that rule; `unmapped` is the
    clinical warnings table (field, value) of values missing from the vocabularies.
    """
    missed = set()
    if unmapped is not None and len(unmapped):
        missed = set(zip(unmapped["field"].astype(str), unmapped["value"].astype(str), strict=True))
    rows = []
    for field, parser in AUDIT_FIELDS.items():
        if field not in columns:
            continue
        raw = clinical[field].astype("string").fillna("<NA>")
        cat_col = "primary_her2_category" if field.startswith("primary_") else "her2_category"
        tab = pd.crosstab(raw, samples[cat_col])
        for value, count in raw.value_counts(sort=False).items():
            parse = parser(None if value == "<NA>" else value)
            row = {
                "field": field,
                "column": columns[field],
                "raw_value": value,
                "count": int(count),
                "parse_status": parse.parse_status,
                "parsed": _describe(parse),
            }
            for cat in CATEGORIES:
                row[f"n_{cat}"] = int(tab.loc[value, cat]) if cat in tab.columns else 0
            rows.append(row)
    for field in STATUS_AUDIT_FIELDS:
        if field not in columns:
            continue
        raw = clinical[f"raw_{field}"].astype("string").fillna("<NA>")
        mapped = clinical[field].astype("string").fillna("")
        cat_col = "primary_her2_category" if field.startswith("primary_") else "her2_category"
        tab = pd.crosstab(raw, samples[cat_col])
        pairs = pd.DataFrame({"raw": raw, "mapped": mapped}).value_counts(sort=False)
        for (value, canon), count in pairs.items():
            if value == "<NA>":
                state, canon = "missing", ""
            elif (field, str(value)) in missed:
                state, canon = "unmapped", ""
            else:
                state, canon = "parsed", canon or "unknown"
            row = {
                "field": field,
                "column": columns[field],
                "raw_value": value,
                "count": int(count),
                "parse_status": state,
                "parsed": f"status={canon}"
                if canon
                else ("" if state == "missing" else "not in vocabulary"),
            }
            for cat in CATEGORIES:
                row[f"n_{cat}"] = int(tab.loc[value, cat]) if cat in tab.columns else 0
            rows.append(row)
    cols = ["field", "column", "raw_value", "count", "parse_status", "parsed"] + [
        f"n_{c}" for c in CATEGORIES
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(
        ["field", "count", "raw_value"], ascending=[True, False, True], kind="stable"
    )


def transitions(
    scenarios: pd.DataFrame, sample_type: pd.Series, defaults: dict[str, str]
) -> pd.DataFrame:
    """Primary-tumour x sequenced-sample category counts for metastatic samples, per rule set."""
    st = pd.Series(
        sample_type.to_numpy(),
        index=scenarios.loc[scenarios.index[: len(sample_type)], "sample_id"],
    )
    frames = []
    for rule, z in defaults.items():
        sub = scenarios[(scenarios["rule"] == rule) & (scenarios["zero_one_plus"] == z)]
        wide = sub.pivot(index="sample_id", columns="tissue", values="her2_category")
        wide = wide[st.reindex(wide.index).eq("metastasis").fillna(False).to_numpy(bool)]
        if "primary" not in wide or "sequenced" not in wide:
            continue
        tab = (
            wide.groupby(["primary", "sequenced"]).size().rename("n").reset_index()
            if len(wide)
            else pd.DataFrame(columns=["primary", "sequenced", "n"])
        )
        tab.insert(0, "zero_one_plus", z)
        tab.insert(0, "rule", rule)
        frames.append(tab)
    cols = ["rule", "zero_one_plus", "primary_category", "sequenced_category", "n"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True).rename(
        columns={"primary": "primary_category", "sequenced": "sequenced_category"}
    )
    return out[cols]


def switching_summary(trans: pd.DataFrame) -> pd.DataFrame:
    """Among metastatic samples HER2-0 or HER2-low in both tissues: how many switched."""
    rows = []
    for (rule, z), t in trans.groupby(["rule", "zero_one_plus"], sort=False):
        key = t.set_index(["primary_category", "sequenced_category"])["n"].to_dict()

        def get(a: str, b: str, key: dict = key) -> int:
            return int(key.get((a, b), 0))

        both = sum(get(a, b) for a in ("HER2-0", "HER2-low") for b in ("HER2-0", "HER2-low"))
        switched = get("HER2-0", "HER2-low") + get("HER2-low", "HER2-0")
        rows.append(
            {
                "rule": rule,
                "zero_one_plus": z,
                "n_metastatic_both_known": int(
                    t.loc[
                        (t.primary_category != "unknown") & (t.sequenced_category != "unknown"), "n"
                    ].sum()
                ),
                "n_zero_or_low_both": both,
                "n_zero_to_low": get("HER2-0", "HER2-low"),
                "n_low_to_zero": get("HER2-low", "HER2-0"),
                "pct_switch_zero_low": round(100 * switched / both, 2) if both else np.nan,
            }
        )
    return pd.DataFrame(rows)


def category_counts(samples: pd.DataFrame) -> pd.DataFrame:
    counts = samples["her2_category"].value_counts().reindex(list(CATEGORIES), fill_value=0)
    return counts.rename_axis("her2_category").reset_index(name="n")


def derivation_notes(fields: dict[str, str]) -> list[str]:
    """What the cohort's mapped HER2 fields cannot support, in words for the report."""
    notes = []
    if "her2_ihc" not in fields:
        notes.append(
            "no IHC score of the sequenced sample: ihc_only is unknown for every sample, and "
            "HER2-0 cannot be told from HER2-low (asco_cap_2018 keeps only HER2-positive from "
            "ISH or the clinical HER2 status)"
        )
    if "her2_ihc" in fields and not {"her2_ish_status", "her2_ish_ratio"} & set(fields):
        notes.append("no ISH fields: IHC 2+ samples are unknown under asco_cap_2018")
    if "her2_ish_ratio" in fields and "her2_ish_copy_number" not in fields:
        notes.append(
            "no separate ISH copy-number field: ASCO/CAP 2018 groups come only from values that "
            "carry a copy number ('2 (CN 4.8)'); other ISH results use the reported status"
        )
    if "primary_her2_ihc" not in fields:
        notes.append(
            "no primary-tumour HER2 fields: primary -> metastasis transitions cannot be derived"
        )
    return notes
