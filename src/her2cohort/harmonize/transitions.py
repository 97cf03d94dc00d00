"""Primary tumour -> sequenced sample HER2 transitions and the HER2-0 / HER2-low switching rate."""

from __future__ import annotations

import numpy as np
import pandas as pd


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

        def get(a: str, b: str, key: dict[tuple[str, str], int] = key) -> int:
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
