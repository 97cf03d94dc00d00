"""Parsing raw HER2 IHC / ISH values: every raw value is parsed or reported, never guessed.

Parsing works on the *distinct* raw values (a study has tens of them, whatever its size) and maps
the results back to samples with a vectorised join. A value the grammar does not cover gets
``parse_status == "unparsed"``, is listed in the audit, and yields ``unknown``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

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
NOT_DONE_TOKENS = {"not applicable", "not done", "not performed", "nd", "[not evaluated]"}
FAILED_TOKENS = {"test failure", "failed", "failure", "msk failed", "indeterminate"}

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


def _no_result(raw: Any) -> tuple[str | None, str]:
    """(state, text) of a raw value: state is missing / not_done / failed where the value says
    there is no result, else None; text is the stripped value."""
    if raw is None or raw is pd.NA or (isinstance(raw, float) and np.isnan(raw)):
        return "missing", ""
    text = str(raw).strip()
    low = text.lower()
    if low in MISSING_TOKENS:
        return "missing", text
    if low in NOT_DONE_TOKENS:
        return "not_done", text
    if low in FAILED_TOKENS:
        return "failed", text
    return None, text


def parse_ihc(raw: Any) -> IhcParse:
    """Parse one raw IHC value ('1+', '0-1+', '3+ (2+ outside)', '1+ (focal)', ...)."""
    state, text = _no_result(raw)
    if state is not None:
        return IhcParse(state)
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
    "indeterminate": "failed",
    "[not evaluated]": "not_done",
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


@dataclass(frozen=True)
class CopyNumberParse:
    parse_status: str  # parsed | missing | not_done | failed | bound | text | unparsed
    copy_number: float = np.nan
    note: str | None = None


def parse_copy_number(raw: Any) -> CopyNumberParse:
    """Parse a separate average HER2 copy-number field ('4.8', '79', '>6.0', 'not amplified').

    Only a plain number is used for the ASCO/CAP 2018 group; a bound ('>6.0', '<4.0') or a word
    ('not amplified') is listed in the audit as such and not used, never coerced.
    """
    state, text = _no_result(raw)
    if state is not None:
        return CopyNumberParse(state, note=None if state == "missing" else text)
    low = text.lower()
    if re.fullmatch(_NUM, text):
        return CopyNumberParse("parsed", float(text))
    if re.fullmatch(rf"[<>]=?\s*{_NUM}", text):
        return CopyNumberParse("bound", note=f"bound {text!r}: not used for the ISH group")
    if low in ISH_STATUS_WORDS:
        return CopyNumberParse("text", note=f"a status, not a copy number: {text!r} (not used)")
    return CopyNumberParse("unparsed", note=f"no copy number in {text!r}")


def parse_her2_fields(clinical: pd.DataFrame, tissue: str = "") -> pd.DataFrame:
    """Parse a tissue's IHC / ISH status / ISH ratio (/ copy number) fields ('' or 'primary_')."""
    ihc = _parse_column(clinical[f"{tissue}her2_ihc"], parse_ihc, "ihc_")
    st = _parse_column(clinical[f"{tissue}her2_ish_status"], parse_ish_status, "ish_status_")
    val = _parse_column(clinical[f"{tissue}her2_ish_ratio"], parse_ish_value, "ish_")
    cn_col = clinical[f"{tissue}her2_ish_copy_number"]
    if cn_col.notna().any():
        cn = _parse_column(cn_col, parse_copy_number, "cn_")["cn_copy_number"].astype(float)
        val["ish_copy_number"] = val["ish_copy_number"].where(val["ish_copy_number"].notna(), cn)
    return pd.concat([ihc, st, val], axis=1)
