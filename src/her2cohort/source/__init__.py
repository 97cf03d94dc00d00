"""Study sources. Each returns canonical :class:`StudyTables`; see :mod:`her2cohort.source.tables`."""

from her2cohort.source.folder import locate_study, read_study_folder
from her2cohort.source.tables import StudyTables, read_study, write_study

__all__ = ["StudyTables", "locate_study", "read_study", "read_study_folder", "write_study"]
