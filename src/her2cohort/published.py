"""The published HER2-low table beside our counts: match per row."""

from __future__ import annotations

import numpy as np
import pandas as pd


def published_comparison(
    ours: pd.DataFrame, published: pd.DataFrame, study_id: str | None = None
) -> pd.DataFrame:
    """Our ihc_only counts beside the published ones, with a match column.

    With `study_id` and a `study_id` column in `published`, only that study's rows are compared;
    a study without published values gets match = 'no published values for this study'.
    """
    if study_id is not None and "study_id" in published.columns:
        published = published[published["study_id"] == study_id]
    pub = published.rename(
        columns={"n_her2_low": "published_n_her2_low", "n_evaluable": "published_n_evaluable"}
    )
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
        pub[["alteration", "published_n_her2_low", "published_n_evaluable"]],
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
    unknown = sorted(set(pub["alteration"]) - set(ours["alteration"]))
    if unknown:
        extra = pub[pub["alteration"].isin(unknown)].assign(match="alteration not in config")
        out = pd.concat([out, extra], ignore_index=True)
    return out
