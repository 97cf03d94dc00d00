"""Read a study folder in cBioPortal's datahub layout by following its meta_*.txt files.

Modules: :mod:`~her2cohort.source.folder.meta` (meta files, locating a study),
:mod:`~her2cohort.source.folder.clinical` (clinical files),
:mod:`~her2cohort.source.folder.molecular` (MAF and discrete CNA),
:mod:`~her2cohort.source.folder.sv` (SV and fusion files),
:mod:`~her2cohort.source.folder.panels` (gene panels, case lists, profiled samples) and
:mod:`~her2cohort.source.folder.study` (:func:`read_study_folder`). Everything is importable
from here.
"""

from her2cohort.source.folder.clinical import ClinicalFile, read_clinical
from her2cohort.source.folder.meta import (
    input_record,
    is_gene_panel_file,
    locate_study,
    parse_meta,
    profile_kind,
)
from her2cohort.source.folder.molecular import (
    CNA_ALLOWED,
    CNA_ID_COLUMNS,
    MAF_COLUMNS,
    MAF_REQUIRED,
    CnaMatrix,
    read_cna_matrix,
    read_maf,
)
from her2cohort.source.folder.panels import (
    FilesRead,
    profiled_samples,
    read_case_lists,
    read_gene_panel_file,
    read_gene_panel_matrix,
    read_panels,
)
from her2cohort.source.folder.study import read_study_folder
from her2cohort.source.folder.sv import FusionPartners, fusion_partners, read_fusions, read_sv

__all__ = [
    "CNA_ALLOWED",
    "CNA_ID_COLUMNS",
    "MAF_COLUMNS",
    "MAF_REQUIRED",
    "ClinicalFile",
    "CnaMatrix",
    "FilesRead",
    "FusionPartners",
    "fusion_partners",
    "input_record",
    "is_gene_panel_file",
    "locate_study",
    "parse_meta",
    "profile_kind",
    "profiled_samples",
    "read_case_lists",
    "read_clinical",
    "read_cna_matrix",
    "read_fusions",
    "read_gene_panel_file",
    "read_gene_panel_matrix",
    "read_maf",
    "read_panels",
    "read_study_folder",
    "read_sv",
]
