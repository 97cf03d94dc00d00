"""Layout and wording shared by the enrichment and oncoprint figures: the font floor, margins,
titles and footnotes, and how alteration ids and numbers are printed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from her2cohort.figures.style import wrap

FONT = 9  # pt: the smallest text (the figures are drawn at the report's width)
PAD = 0.1  # inches: the figure's left and right margin
NOTE_LINE = 0.17  # inches per line of a footnote
EXTENSION_NOTE = "* extension: discussed, not tabulated, in the publication"


def alteration_label(alteration: str) -> str:
    """An alteration id as a reader sees it: ``FGFR1_2_alt`` -> ``FGFR1/2 alt``."""
    stem, _, kind = alteration.rpartition("_")
    return f"{stem.replace('_', '/')} {kind}" if stem else alteration


def is_true(values: pd.Series) -> np.ndarray:
    return np.asarray(values.astype(str).str.lower().isin(["true", "1"]), dtype=bool)


def wrap_lines(text: str, width_in: float, size: float = FONT) -> str:
    """:func:`~her2cohort.figures.style.wrap`, keeping the line breaks ``text`` has."""
    return "\n".join(wrap(line, width_in, size) for line in text.split("\n"))


def n_lines(text: str) -> int:
    return text.count("\n") + 1


def put_title(fig: Figure, text: str, width: float, height: float) -> None:
    fig.text(PAD / width, 1 - 0.1 / height, text, ha="left", va="top", fontsize=FONT + 1)


def put_notes(fig: Figure, notes: Sequence[str], width: float, height: float) -> None:
    """Footnotes (already wrapped) from the bottom of the figure up."""
    y = 0.06
    for note in reversed(notes):
        fig.text(PAD / width, y / height, note, fontsize=FONT, color="#333333", va="bottom")
        y += NOTE_LINE * n_lines(note)


def format_p(q: float) -> str:
    """A p or q value as a table prints it: ``<0.001``, ``0.026``, ``0.27``."""
    if not np.isfinite(q):
        return ""
    if q < 0.001:
        return "<0.001"
    return f"{q:.3f}" if q < 0.1 else f"{q:.2f}"


def format_value(v: float) -> str:
    if np.isnan(v):
        return "NA"
    if np.isinf(v):
        return "∞"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def format_or(est: float, lo: float, hi: float) -> str:
    """``1.52 (1.10-2.10)``; an infinite bound is ``∞``."""
    return f"{format_value(est)} ({format_value(lo)}-{format_value(hi)})"
