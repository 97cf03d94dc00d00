"""her2cohort: HER2-0 / HER2-low / HER2-positive harmonization, enrichment and survival on cBioPortal cohorts."""

__version__ = "0.1.0"
