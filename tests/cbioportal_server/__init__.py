"""A local cBioPortal REST API for tests: serves any study folder on 127.0.0.1.

The study is read from its datahub-layout folder (meta_*.txt, data_*.txt, case_lists/) and
served the way a portal that imported it would answer (see
/work/shared/reference/cbioportal_api.md and cBioPortal's importer, cbioportal-core):

* paths under ``/api``; JSON with null fields omitted; ``{"message": ...}`` errors (400 bad
  parameter / body / XOR rule / empty ``sampleIds``, 404 unknown study / profile / panel, and
  unknown list on the sample-list endpoints); a 401 for a missing or wrong token has an empty
  body (the token filter answers before any controller);
* an unknown ``sampleListId`` in a mutation or CNA query is no error: 200, no rows,
  ``total-count: 0`` (the portal joins the data on the list's members);
* ``uniqueSampleKey`` / ``uniquePatientKey`` = unpadded base64 of ``id:studyId``;
* ``sampleType`` as display strings (``Primary Solid Tumor``, ``Metastatic`` ...), derived from
  SAMPLE_TYPE like the importer does (unknown values -> ``Primary Solid Tumor``);
* clinical values the importer treats as missing (``NA``, ``Not Applicable`` ...) are not served;
  ``SAMPLE_COUNT`` (patient) and ``MUTATION_COUNT`` (sample) are added as the importer does;
* mutations pass the importer's default mutation filter; ``proteinChange`` without ``p.``,
  ``MUTATED`` when missing, ``Promoter`` for TERT 5'Flank; a MAF row repeating a (sample,
  mutation event) is stored once (ImportExtendedMutationData merges repeats); ``GET
  .../mutations`` requires ``entrezGeneId``;
* discrete CNA: ``HOMDEL_AND_AMP`` (default) comes from the event table, where -1.5 is -2; the
  other event types come from the matrix, where only integer strings survive (-1.5 disappears);
* an old FUSION profile is served as the STRUCTURAL_VARIANT profile ``<study>_structural_variants``
  built like datahub's fusion-to-sv converter (partners ordered by their position in the Fusion
  name; genes not named there become single-gene events); ``Fusion`` is served as ``eventInfo``;
* gene panel data from the gene panel matrix (``NA`` = not profiled); an SV profile the matrix does
  not cover marks profiled only the samples with an SV row, on the meta file's ``gene_panel`` if
  any (ImportStructuralVariantData), whatever the ``_sv`` case list says;
* Entrez ids: the file's when > 0, otherwise a stable synthetic id (``100000000 + rank``), since
  the mock has no gene table;
* paging is 0-based (``pageSize``, ``pageNumber``) except ``GET /studies`` which is 1-based;
  ``projection=META`` returns no body and a ``total-count`` header;
* row order of the paged mutation and clinical data queries (``serve_study(tie_order=...)``):
  ``stable`` (default), ``shuffled`` (v7: sorted by a non-unique key, tied rows in a new random
  order per request) or ``unordered`` (v5/v6: every request in a new random order).

Fault injection (:class:`Fault`): for the first N requests whose path matches a regex, answer
500 / 503 / 429 + Retry-After, stall past the client's read timeout, send truncated JSON, drop
rows from a list answer (a page shorter than ``total-count``) or repeat its first row in place of
its last (same count, one row twice, one missing). :class:`ServerState` counts requests (per
``METHOD path`` and in total) and records their headers.

Use ``with serve_study(folder, faults=[...]) as (base_url, state): ...``.

Modules: ``importer`` (what the importer does to the files), ``base`` / ``clinical`` /
``molecular`` / ``panels`` (the parts of :class:`StudyModel`), ``model`` (:class:`StudyModel`),
``http`` (requests, replies, paging), ``routes`` (the endpoints), ``faults`` (:class:`Fault`,
:class:`ServerState`), ``server`` (:func:`serve_study`), ``tiny_study`` (:func:`write_tiny_study`)
and ``synthetic_study`` (:func:`write_synthetic_study`: many tied rows, several small pages per
endpoint), both written with tests/fixtures/study_writer.py. Import from here.
"""

from cbioportal_server.base import Profile
from cbioportal_server.faults import Fault, RecordedRequest, ServerState
from cbioportal_server.http import HttpError, Reply, Request
from cbioportal_server.importer import (
    MISSING_CLINICAL,
    compact,
    is_missing_clinical,
    unique_key,
)
from cbioportal_server.model import StudyModel, load_model
from cbioportal_server.routes import Api
from cbioportal_server.server import local_server, make_handler, serve_study
from cbioportal_server.synthetic_study import MAX_MUTATIONS_PER_SAMPLE, write_synthetic_study
from cbioportal_server.tiny_study import TINY_SAMPLES, write_tiny_study

__all__ = [
    "MAX_MUTATIONS_PER_SAMPLE",
    "MISSING_CLINICAL",
    "TINY_SAMPLES",
    "Api",
    "Fault",
    "HttpError",
    "Profile",
    "RecordedRequest",
    "Reply",
    "Request",
    "ServerState",
    "StudyModel",
    "compact",
    "is_missing_clinical",
    "load_model",
    "local_server",
    "make_handler",
    "serve_study",
    "unique_key",
    "write_synthetic_study",
    "write_tiny_study",
]
