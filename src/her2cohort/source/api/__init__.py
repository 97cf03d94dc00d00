"""Fetch one study from the cBioPortal REST API into canonical :class:`StudyTables`.

Only bulk endpoints are used, so the number of requests does not depend on the number of
samples or genes (breast_msk_2018: 14 requests). Each step is one request:

 1. ``GET  /studies/{id}``                                        study metadata
 2. ``GET  /studies/{id}/molecular-profiles``                     profiles, picked by
    ``molecularAlterationType``/``datatype`` (never by hard-coded ids)
 3. ``GET  /studies/{id}/sample-lists?projection=DETAILED``       case lists with their sample ids
 4. ``GET  /studies/{id}/samples``
 5. ``GET  /studies/{id}/clinical-attributes``
 6. ``GET  /studies/{id}/clinical-data?clinicalDataType=SAMPLE``   (and 7. ``=PATIENT``), one page
 8. ``POST /molecular-profiles/{p}/mutations/fetch`` with ``projection=META`` (``total-count``),
 9. then ``projection=DETAILED``, one page, body ``{"sampleListId": ...}``
10. ``POST /molecular-profiles/{p}/discrete-copy-number/fetch`` META, 11. then DETAILED,
    ``discreteCopyNumberEventType=HOMDEL_AND_AMP`` (not paged)
12. ``POST /structural-variant/fetch`` ``{"molecularProfileIds": [...]}``
13. ``POST /gene-panel-data/fetch`` for the three profiles
14. ``POST /gene-panels/fetch?projection=DETAILED`` for the panels in use
15. ``POST /genes/fetch`` only if a mutation/CNA record came back without its gene symbol.

Steps 8 and 10 use the covering sample list (``<study>_sequenced`` / ``_cna``) only if it is one of
the study's lists from step 3: the portal answers an unknown ``sampleListId`` with 200, no rows
and ``total-count: 0`` (not 404), so a wrong id would silently yield no calls. Without a list the
body is ``sampleIds`` (never empty: that is a 400).

Paging. The paged queries (clinical data, mutations) are **not in a stable order** on a real
portal: with ``sampleListId``, mutations are sorted only by ``molecularProfileId, sampleId,
entrezGeneId`` in v7 (``MutationMapper.xml``) and not at all for DETAILED in v5/v6; study
clinical data is sorted by a non-unique internal id in v7 and not at all in v5/v6. Rows tied on
the sort key can repeat or vanish across pages, and a repeat hides a loss from any count. So a
pull never asks for page 1. ``pageSize`` defaults to the portal's maximum (10,000,000, which it
validates and honours), so each table comes in one page, and a page shorter than ``pageSize`` is
the whole table. A full page (a smaller ``page_size``, or a table past 10 million rows) splits the
query instead: mutations by samples (``sampleIds``) into parts that each come back shorter than a
page (a single sample filling a page is an :class:`ApiError`), clinical data through the unpaged
``POST /studies/{id}/clinical-data/fetch`` for every sample / patient id (+2 requests: META and
the fetch). Then every row must be unique by its database key (mutation: profile, sample and the
importer's mutation event -- gene, chromosome, start, end, protein change, tumour allele, variant
classification; clinical: entity and attribute) and as many as ``total-count`` where one was
asked: a repeat or a gap is an :class:`ApiError` naming the endpoint.

Correction to ``cbioportal_api.md`` (our API notes), which says mutation pages are stable (its
section 6.2 plan: "stop on a short page; the sort is stable"): the ``proteinChange`` tie-breaker
belongs to the multi-profile ``sampleIds`` query, not to the single-profile ``sampleListId``
query a study pull uses; see above.

Transport: one :class:`requests.Session`; the token (argument or ``CBIOPORTAL_TOKEN``) is sent
as ``Authorization: Bearer`` and is never logged, cached, or written into the tables. 429 (with
``Retry-After``), 5xx, connection errors, read timeouts and unparsable (e.g. truncated) JSON are
retried with exponential backoff up to ``max_attempts``; then, or on any other HTTP error, an
:class:`ApiError` with a one-line message naming the endpoint and the status is raised. Every raw
response is cached under ``cache_dir`` (key: method, URL, sorted query, body hash) and written
atomically, so an interrupted pull resumes without refetching. Responses are validated (required
fields, samples belong to the sample list asked for, unique rows, ``total-count`` equals the rows
received); a response that fails validation is dropped from the cache. A 401 from the portal's
token filter has no body; the error then says whether a token was sent.

The client was compared request by request with cBioPortal's backend source (master after
v7.1.0; tags v5.0.0, v5.4.10, v6.0.0, v6.4.5): every endpoint, method, parameter, body shape and
response field used here exists as assumed, and Bearer tokens are handled as the backend's
``TokenAuthenticationFilter`` does. The behaviours above (page order, unknown and empty sample
lists, 401, SV profiling after cbioportal-core's ``ImportStructuralVariantData``, repeated
mutations merged by ``ImportExtendedMutationData``) are reproduced by the local test server
(tests/cbioportal_server) and tested against it.

How the API tables differ from :func:`her2cohort.source.folder.read_study_folder` on the same
study (the API cannot carry these fields the way the files do):

* **cna** -- only deep deletions and amplifications (``HOMDEL_AND_AMP``): shallow -1/+1 calls are
  not fetched (``ALL`` returns every diploid cell and silently drops -1.5), and the MSK partial
  deletion ``-1.5`` is served as ``-2`` (the importer rewrites it).
* **mutations** -- rows rejected by the importer's mutation filter are absent (Variant
  classification Silent, Intron, 3'UTR, 3'Flank, 5'UTR, IGR, 5'Flank outside TERT; Mutation_Status
  None/LOH/Wildtype; Validation_Status Redacted). ``protein_change`` is ``MUTATED`` where the MAF
  had no HGVSp_Short and ``Promoter`` for TERT 5'Flank. A MAF row repeating a (sample, mutation
  event) is stored once (the importer merges repeats), so it comes back once. ``entrez_gene_id`` is the portal's
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
* **profiles** -- SV coverage: the importer marks a sample SV-profiled only if it has an SV row
  (with the meta file's ``gene_panel``, if any) unless the gene panel matrix has a column for the
  SV profile. When the samples the portal marks are exactly those with SVs, "not profiled" says
  nothing, and reading it would make every sample without a fusion "not profiled" instead of
  unaltered: SV coverage is then taken as the folder reader takes it (the mutation profile's
  panel assignments, else the ``_sv`` sample list, else every sample), with a note.
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
from her2cohort.source.api.endpoints import CNA_EVENT_TYPE, LIST_PAGE_SIZE, sample_scope
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
from her2cohort.source.api.profiles import (
    PROFILE_SUFFIX,
    PROFILE_TYPES,
    SAMPLE_LIST_FOR,
    pick_profiles,
    pick_sample_list,
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
