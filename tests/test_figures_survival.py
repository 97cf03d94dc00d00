"""Survival figures (her2cohort.figures.survival) drawn from an analysis' tables."""

from __future__ import annotations

from her2cohort import survival as sv
from survival.conftest import EDGE, synthetic


def test_figures_render(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from her2cohort.figures import survival as fig

    data = synthetic()
    tables = sv.run_analysis(data, EDGE, sv.Settings(left_truncation=True))
    curves = sv.km_curves(data, EDGE.levels, ("none", "left"))
    km = fig.km_figure(
        curves, data, EDGE.levels, ("none", "left"), "edge", tables["logrank"], 120.0, 24.0
    )
    assert len(km.axes) == 4  # two panels, each with its number-at-risk table
    forest = fig.forest_figure(tables["cox"], "edge", EDGE.references)
    for f, name in ((km, "km.png"), (forest, "forest.png")):
        f.savefig(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 10_000


def test_survival_figures_from_the_tables_as_read(tmp_path):
    from her2cohort.figures import survival as fig
    from her2cohort.figures.style import save

    settings = sv.Settings(left_truncation=True, plot_max_months=None)
    tables = sv.run_analysis(synthetic(), EDGE, settings)
    tables |= {
        "data": synthetic(),
        "km_curves": sv.km_curves(synthetic(), EDGE.levels, ("none", "left")),
    }
    figures = fig.survival_figures(tables, EDGE.as_dict(), settings.as_dict())
    assert len(figures.km.axes) == 4
    save(figures.km, tmp_path / "km.png", tmp_path / "km.svg")
    save(figures.forest, tmp_path / "forest.png")
    assert (tmp_path / "km.svg").stat().st_size > 10_000


def _dss_tables():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(11)
    n = 150
    cause = rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2])
    clinical = pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(n)],
            "sample_id": [f"s{i}" for i in range(n)],
            "subtype": rng.choice(["Her2", "Basal"], n),
            "os_months": np.round(rng.exponential(60, n), 1) + 0.1,
            "os_event": (cause > 0).astype(float),
            "vital_status": np.array(["alive", "disease", "other"])[cause],
        }
    )
    analysis = sv.Analysis(
        name="dss",
        title="Disease-specific survival by subtype",
        group_source="subtype",
        levels=("Her2", "Basal"),
        models={"crude": ("group",)},
        endpoint="dss",
    )
    settings = sv.Settings(plot_max_months=120.0)
    return sv.survival_tables(clinical, None, analysis, settings), analysis, settings


def test_cif_figure_draws_both_causes_per_group(tmp_path):
    from her2cohort.figures.cif import cif_figure
    from her2cohort.figures.style import save

    tables, analysis, settings = _dss_tables()
    fig = cif_figure(tables, analysis.as_dict(), settings.as_dict())
    key, *panels = fig.axes  # the legend's own row above the two panels
    titles = [ax.get_title(loc="left") for ax in panels]
    assert titles == ["Death of the disease", "Death of other causes"]
    labels = [t.get_text() for t in key.get_legend().get_texts()]
    assert len(labels) == 2 and labels[0].startswith("Her2 (n=")
    assert "of the disease" in labels[0] and "of other causes" in labels[0]
    save(fig, tmp_path / "cif.png", tmp_path / "cif.svg")
    assert (tmp_path / "cif.png").stat().st_size > 10_000
    empty = {**tables, "cif_curves": tables["cif_curves"].iloc[:0]}
    message = cif_figure(empty, analysis, settings)  # nothing to draw: says why
    assert len(message.axes) == 1 and not message.axes[0].axison


def test_dss_km_figure_says_disease_specific_survival():
    from her2cohort.figures import survival as fig

    tables, analysis, settings = _dss_tables()
    figures = fig.survival_figures(tables, analysis, settings)
    labels = {ax.get_ylabel() for ax in figures.km.axes}
    assert "Disease-specific survival" in labels and "Overall survival" not in labels
