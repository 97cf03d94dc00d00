"""Fetch one study from the cBioPortal REST API into canonical :class:`StudyTables`.

Only bulk endpoints are used, so the number of requests does not depend on the number of
samples or genes (breast_msk_2018: 14 requests). Each step is one request unless a paged
endpoint holds more than ``page_size`` rows:

 1. ``GET  /studies/{id}``                                        study metadata
 2. ``GET  /studies/{id}/molecular-profiles``                     profiles, picked by
    ``molecularAlterationType``/``datatype`` (never by hard-coded ids)
 3. ``GET  /studies/{id}/sample-lists?projection=DETAILED``       case lists with their sample ids
 4. ``GET  /studies/{id}/samples``
 5. ``GET  /studies/{id}/clinical-attributes``
 6. ``GET  /studies/{id}/clinical-data?clinicalDataType=SAMPLE``   (and 7. ``=PATIENT``)
 8. ``POST /molecular-profiles/{p}/mutations/fetch`` with ``projection=META`` (``total-count``),
 9. then ``projection=DETAILED`` pages, body ``{"sampleListId": ...}``
10. ``POST /molecular-profiles/{p}/discrete-copy-number/fetch`` META, 11. then DETAILED,
    ``discreteCopyNumberEventType=HOMDEL_AND_AMP``
12. ``POST /structural-variant/fetch`` ``{"molecularProfileIds": [...]}``
13. ``POST /gene-panel-data/fetch`` for the three profiles
14. ``POST /gene-panels/fetch?projection=DETAILED`` for the panels in use
15. ``POST /genes/fetch`` only if a mutation/CNA record came back without its gene symbol.

Transport: one :class:`requests.Session`; the token (argument or ``CBIOPORTAL_TOKEN``) is sent
as ``Authorization: Bearer`` and is never logged, cached, or written into the tables. 429 (with
``Retry-After``), 5xx, connection errors, read timeouts and unparsable (e.g. truncated) JSON are
retried with exponential backoff up to ``max_attempts``; then, or on any other HTTP error, an
:class:`ApiError` with a one-line message naming the endpoint and the status is raised. Every raw
response is cached under ``cache_dir`` (key: method, URL, sorted query, body hash) and written
atomically, so an interrupted pull resumes without refetching. Responses are validated (required
fields, samples belong to the sample list asked for, ``total-count`` equals the rows received);
a response that fails validation is dropped from the cache.

How the API tables differ from :func:`her2cohort.source.folder.read_study_folder` on the same
study (the API cannot carry these fields the way the files do):

* **cna** -- only deep deletions and amplifications (``HOMDEL_AND_AMP``): shallow -1/+1 calls are
  not fetched (``ALL`` returns every diploid cell and silently drops -1.5), and the MSK partial
  deletion ``-1.5`` is served as ``-2`` (the importer rewrites it).
* **mutations** -- rows rejected by the importer's mutation filter are absent (Variant
  classification Silent, Intron, 3'UTR, 3'Flank, 5'UTR, IGR, 5'Flank outside TERT; Mutation_Status
  None/LOH/Wildtype; Validation_Status Redacted). ``protein_change`` is ``MUTATED`` where the MAF
  had no HGVSp_Short and ``Promoter`` for TERT 5'Flank. ``entrez_gene_id`` is the portal's
  resolved id where a file may carry ``0``. ``tumor_seq_allele2`` is the importer's chosen tumour
  allele (``variantAllele``).
* **samples / patients** -- values the importer treats as missing (empty, ``NA``,
  ``Not Applicable``, ``Not Available``, ``Pending``, ``Discrepancy``, ``Completed``, ``null``,
  ``[Not Available]`` ...) are not stored, so they come back as ``<NA>``. Attribute ids are upper
  case. The portal adds attributes it computes (``SAMPLE_COUNT`` per patient, ``MUTATION_COUNT``
  and ``FRACTION_GENOME_ALTERED`` per sample); they are kept and listed in ``notes``. Normal
  samples are not imported. The importer may rewrite survival status values to the ``0:``/``1:``
  form (not verified).
* **attributes** -- no rows for the identity columns PATIENT_ID / SAMPLE_ID; ``priority`` is the
  value the portal stores (a string; portals may re-curate it), not necessarily the file's.
* **sv** -- ``origin`` is ``api``. Fusions imported from an old ``data_fusions.txt`` (one row per
  partner gene) are stored as SVs converted by datahub's fusion-to-sv converter: site 1/site 2
  follow the order of the genes in the Fusion name (the folder reader follows file row order),
  and a gene row not named in the Fusion name becomes a single-gene event.
* **gene_panels** -- the portal's panel definitions; a folder may ship none.
* **case_lists** -- includes lists the portal generates (e.g. ``<study>_all``).
* **meta / inputs** -- the API's study record (``importDate`` etc.) and one record per request
  (endpoint, query, body hash, sha256 of the raw response) instead of file paths.

Modules: :mod:`~her2cohort.source.api.spec` (requests and responses as values, :class:`ApiError`),
:mod:`~her2cohort.source.api.cache` (raw responses on disk), :mod:`~her2cohort.source.api.client`
(transport and retries), :mod:`~her2cohort.source.api.validate` (checks of the answers),
:mod:`~her2cohort.source.api.steps` (the numbered, recorded calls of one pull),
:mod:`~her2cohort.source.api.endpoints` (one function per step),
:mod:`~her2cohort.source.api.frames` (records -> canonical tables) and
:mod:`~her2cohort.source.api.pull` (:func:`fetch_study`). Everything is importable from here.
"""

from her2cohort.source.api.cache import CachedBody, ResponseCache
from her2cohort.source.api.client import (
    DEFAULT_TIMEOUT,
    KEPT_HEADERS,
    RETRY_STATUSES,
    TOKEN_ENV,
    USER_AGENT,
    CBioPortalClient,
    backoff_delay,
    parse_retry_after,
)
from her2cohort.source.api.endpoints import (
    CNA_EVENT_TYPE,
    LIST_PAGE_SIZE,
    PROFILE_SUFFIX,
    PROFILE_TYPES,
    SAMPLE_LIST_FOR,
    pick_profiles,
    pick_sample_list,
    sample_scope,
)
from her2cohort.source.api.frames import (
    attributes_frame,
    case_lists_frame,
    clinical_frame,
    cna_frame,
    gene_panels_frame,
    gene_symbol,
    missing_symbols,
    mutations_frame,
    profiles_frame,
    study_meta,
    sv_frame,
    sv_panel_data,
)
from her2cohort.source.api.pull import (
    DEFAULT_PAGE_SIZE,
    DERIVED_ATTRIBUTES,
    fetch_study,
)
from her2cohort.source.api.spec import (
    ApiError,
    ApiResponse,
    RequestSpec,
    cache_key,
    make_spec,
    redact_url,
)
from her2cohort.source.api.validate import (
    clinical_key,
    expect_list,
    expect_object,
    mutation_key,
    require_fields,
    require_members,
    require_total,
    require_unique,
)

__all__ = [
    "CNA_EVENT_TYPE",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TIMEOUT",
    "DERIVED_ATTRIBUTES",
    "KEPT_HEADERS",
    "LIST_PAGE_SIZE",
    "PROFILE_SUFFIX",
    "PROFILE_TYPES",
    "RETRY_STATUSES",
    "SAMPLE_LIST_FOR",
    "TOKEN_ENV",
    "USER_AGENT",
    "ApiError",
    "ApiResponse",
    "CBioPortalClient",
    "CachedBody",
    "RequestSpec",
    "ResponseCache",
    "attributes_frame",
    "backoff_delay",
    "cache_key",
    "case_lists_frame",
    "clinical_frame",
    "clinical_key",
    "cna_frame",
    "expect_list",
    "expect_object",
    "fetch_study",
    "gene_panels_frame",
    "gene_symbol",
    "make_spec",
    "missing_symbols",
    "mutation_key",
    "mutations_frame",
    "parse_retry_after",
    "pick_profiles",
    "pick_sample_list",
    "profiles_frame",
    "redact_url",
    "require_fields",
    "require_members",
    "require_total",
    "require_unique",
    "sample_scope",
    "study_meta",
    "sv_frame",
    "sv_panel_data",
]
