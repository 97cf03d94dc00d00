"""Assigning HER2-0 / HER2-low / HER2-positive under a rule set (see the package docstring)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2cohort.terms import RULESETS, ZERO_ONE_OPTIONS, IshCuts

#: the reason of a sample whose clinical HER2 status is negative but has no IHC score: HER2-negative,
#: yet HER2-0 and HER2-low cannot be told apart (figures label it, never as an unknown status)
NEGATIVE_UNRESOLVED_REASON = (
    "no IHC score: HER2-negative, but HER2-0 and HER2-low cannot be told apart"
)


def ish_group(ratio: float, cn: float, cuts: IshCuts | None = None) -> float:
    """ASCO/CAP 2018 dual-probe ISH group (1-5), NaN where ratio or copy number is missing."""
    c = cuts or IshCuts()
    ratio_cut, cn_low, cn_high = c.ish_ratio_cut, c.ish_cn_low, c.ish_cn_high
    if np.isnan(ratio) or np.isnan(cn):
        return np.nan
    if ratio >= ratio_cut:
        return 1.0 if cn >= cn_low else 2.0
    if cn >= cn_high:
        return 3.0
    if cn >= cn_low:
        return 4.0
    return 5.0


def _amplification(
    parsed: pd.DataFrame, ihc_eff: pd.Series, cuts: IshCuts
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Return (ISH group, amplified True/False/NA, basis, flag) per row.

    The ASCO/CAP 2018 group comes from ratio and average copy number; a copy number above
    ``ish_cn_max_per_cell`` with a ratio below the cut is implausible as copies per cell (a total
    signal count) and not used. Where the group and the reported ISH status disagree, the
    ``ish_conflict`` setting decides (default: the reported status) and the row is flagged.
    """
    usable = (parsed["ish_parse_status"] == "parsed") & ~parsed["ish_implausible"].fillna(
        False
    ).astype(bool)
    ratio = parsed["ish_ratio"].where(usable).astype(float)
    cn = parsed["ish_copy_number"].where(usable).astype(float)
    rc, lo, hi = cuts.ish_ratio_cut, cuts.ish_cn_low, cuts.ish_cn_high
    flag = pd.Series("", index=parsed.index, dtype="string")
    odd_cn = (cn > cuts.ish_cn_max_per_cell) & (ratio < rc)
    if odd_cn.any():
        flag[odd_cn] = (
            "copy number "
            + cn[odd_cn].map("{:g}".format).astype("string")
            + " with ratio "
            + ratio[odd_cn].map("{:g}".format).astype("string")
            + " is implausible as copies per cell: not used"
        )
    cn = cn.where(~odd_cn)
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
    reported = status.map({"positive": True, "negative": False}).astype("boolean")
    conflict = (has_group & (amp != reported)).fillna(False).astype(bool)
    if conflict.any():
        said = "ISH group " + group[conflict].astype(int).astype(str) + " disagrees with the "
        said += "reported status " + status[conflict].astype(str)
        if cuts.ish_conflict == "status":
            amp[conflict] = reported[conflict].astype(bool)
            basis[conflict] = "ISH status " + status[conflict].astype(str) + " (" + said + ")"
            flag[conflict] = said + ": reported status used"
        else:
            flag[conflict] = said + ": group used"
    return group, amp, basis, flag


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
    cuts: IshCuts | None = None,
) -> pd.DataFrame:
    """Assign the HER2 category and the reason under one rule set and 0-1+ assignment."""
    if rule not in RULESETS:
        raise ValueError(f"unknown HER2 rule set {rule!r} (choose from {', '.join(RULESETS)})")
    if zero_one not in ZERO_ONE_OPTIONS:
        raise ValueError(f"unknown 0-1+ assignment {zero_one!r}")
    cuts = cuts or IshCuts()
    eff = _effective_ihc(parsed, zero_one)
    score = parsed["ihc_score"].fillna("")
    ihc_state = parsed["ihc_parse_status"].fillna("missing")
    n = len(parsed)
    category = np.full(n, "unknown", dtype=object)
    reason = np.full(n, "", dtype=object)
    discordant = np.zeros(n, dtype=bool)
    group, amp, basis, flag = _amplification(parsed, eff, cuts)
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
        three_not_amp = (e == 3) & not_amp  # IHC 3+ decides; the negative ISH is worth a look
        if three_not_amp.any():
            flag = flag.copy()
            note = "IHC 3+ with ISH not amplified (" + b[three_not_amp] + "): IHC 3+ decides"
            old = flag.to_numpy(dtype=object)[three_not_amp]
            flag.iloc[np.flatnonzero(three_not_amp)] = [
                f"{o}; {n}" if o else n for o, n in zip(old, note, strict=True)
            ]
        if her2_status is not None:
            hs = her2_status.fillna("").to_numpy()
            no_info = no_ihc & ~is_amp & ~not_amp
            pos = no_info & (hs == "positive")
            category[pos] = "HER2-positive"
            reason[pos] = "no IHC/ISH values; clinical HER2 status positive"
            neg = no_info & (hs == "negative")
            reason[neg] = NEGATIVE_UNRESOLVED_REASON
    return pd.DataFrame(
        {
            "ish_group": group.to_numpy(),
            "ish_amplified": amp.to_numpy(dtype=object),
            "ish_flag": flag.to_numpy(dtype=object),
            "her2_category": category,
            "reason": reason,
            "discordant": discordant,
        },
        index=parsed.index,
    )
