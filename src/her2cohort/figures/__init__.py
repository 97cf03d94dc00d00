"""Figures (matplotlib / seaborn, Agg backend): one module per stage, a shared style."""
