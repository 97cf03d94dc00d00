"""The published HER2-low table beside our counts: match per row."""

from __future__ import annotations

import numpy as np
import pandas as pd


def published_comparison(
    ours: pd.DataFrame, published: pd.DataFrame, study_id: str | None = None
) -> pd.DataFrame:
    """Our counts (the published table's rule set) beside the published ones.

    ``match`` is ``yes`` / ``no`` where the publication gives counts (``differs_by`` says by how
    much), ``yes (percentage only)`` / ``no (percentage only)`` where it prints a percentage only
    (compared at the printed precision), and ``printed_pct_check`` names a printed percentage that
    disagrees with the publication's own counts. With `study_id` and a `study_id` column in
    `published`, only that study's rows are compared; a study without published values gets
    match = 'no published values for this study'.
    """
    if study_id is not None and "study_id" in published.columns:
        published = published[published["study_id"] == study_id]
    pub = published.rename(
        columns={
            "n_her2_low": "published_n_her2_low",
            "n_evaluable": "published_n_evaluable",
            "printed_pct": "published_printed_pct",
        }
    )
    if "published_printed_pct" not in pub:
        pub = pub.assign(published_printed_pct=np.nan)
    out = ours[
        [
            "alteration",
            "mechanism",
            "genes",
            "n_altered",
            "n_evaluable",
            "n_her2_low",
            "pct_her2_low",
        ]
    ].merge(
        pub[
            ["alteration", "published_n_her2_low", "published_n_evaluable", "published_printed_pct"]
        ],
        on="alteration",
        how="left",
    )
    for c in ("published_n_her2_low", "published_n_evaluable"):
        out[c] = out[c].astype("Int64")
    out["published_pct_her2_low"] = 100 * out["published_n_her2_low"] / out["published_n_evaluable"]
    has = out["published_n_evaluable"].notna().to_numpy(bool)
    same = (
        (
            (out["n_her2_low"] == out["published_n_her2_low"])
            & (out["n_evaluable"] == out["published_n_evaluable"])
        )
        .fillna(False)
        .to_numpy(bool)
    )
    none = "no published value" if len(pub) else "no published values for this study"
    out["match"] = np.where(has, np.where(same, "yes", "no"), none)
    printed = pd.to_numeric(out["published_printed_pct"], errors="coerce")
    pct_only = ~has & printed.notna().to_numpy(bool)
    close = (out["pct_her2_low"].round(0) == printed).fillna(False).to_numpy(bool)
    out.loc[pct_only, "match"] = np.where(
        close[pct_only], "yes (percentage only)", "no (percentage only)"
    )
    dk = (out["n_her2_low"] - out["published_n_her2_low"]).astype("Int64")
    dn = (out["n_evaluable"] - out["published_n_evaluable"]).astype("Int64")
    differs = [
        f"HER2-low {a:+d}, evaluable {b:+d}" if m == "no" else ""
        for a, b, m in zip(dk, dn, out["match"], strict=True)
    ]
    out["differs_by"] = differs
    out.loc[pct_only, "differs_by"] = (out["pct_her2_low"] - printed)[pct_only].map(
        "{:+.1f} percentage points".format
    )
    own = (100 * out["published_n_her2_low"] / out["published_n_evaluable"]).astype(float)
    wrong = has & printed.notna().to_numpy(bool) & (own.round(0) != printed).to_numpy(bool)
    out["printed_pct_check"] = ""
    out.loc[wrong, "printed_pct_check"] = [
        f"printed {p:g}% but {k}/{n} is {o:.0f}%"
        for p, k, n, o in zip(
            printed[wrong],
            out.loc[wrong, "published_n_her2_low"],
            out.loc[wrong, "published_n_evaluable"],
            own[wrong],
            strict=True,
        )
    ]
    unknown = sorted(set(pub["alteration"]) - set(ours["alteration"]))
    if unknown:
        extra = pub[pub["alteration"].isin(unknown)].assign(match="alteration not in config")
        out = pd.concat([out, extra], ignore_index=True)
    return out
