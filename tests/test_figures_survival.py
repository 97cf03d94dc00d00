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
