"""Download a study tarball from the cBioPortal datahub and unpack it safely and atomically.

``https://cbioportal-datahub.s3.amazonaws.com/<study>.tar.gz`` holds the same files as the
datahub repository (meta_*.txt, data_*.txt, case_lists/), readable with
:func:`her2cohort.source.folder.read_study_folder`.

* The tarball is streamed to a temporary directory beside the destination while its sha256 is
  computed; a body shorter than Content-Length, an HTTP error, or a sha256 other than
  ``expected_sha256`` stops the download.
* Every member is checked before it is written: absolute names, ``..`` components, symbolic or
  hard links resolving outside the extraction directory (through links extracted earlier too),
  and device / FIFO / other special files are rejected. Extraction then also runs under the
  standard library's ``"data"`` filter.
* The folder holding ``meta_study.txt`` (the archive root or one top-level directory) is renamed
  into ``<dest_dir>/<study_id>`` in one step, so a failed or interrupted download leaves nothing
  half-written under that name. The tarball's sha256 is written beside it as
  ``<study_id>.tar.gz.sha256`` (``sha256sum`` format) with ``<study_id>.download.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import requests
import urllib3

from her2cohort.errors import SourceError
from her2cohort.io import atomic_path
from her2cohort.source.progress import Progress, reporter

log = logging.getLogger(__name__)

DEFAULT_URL_TEMPLATE = "https://cbioportal-datahub.s3.amazonaws.com/{study}.tar.gz"
STUDY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
CHUNK = 1 << 20


class DatahubError(SourceError):
    """A datahub download or extraction failed; the message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


class Download(NamedTuple):
    """A finished download.

    Attributes
    ----------
    sha256 : str
        Hex digest of the bytes written.
    size : int
        Number of bytes written.
    """

    sha256: str
    size: int


def stream_to_file(
    session: requests.Session,
    url: str,
    path: Path,
    report: Callable[[str], None],
    timeout: float | tuple[float, float],
    chunk_size: int = CHUNK,
) -> Download:
    """Download `url` to `path` byte for byte; returns ``(sha256, size)`` (see :class:`Download`)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with session.get(
            url, stream=True, timeout=timeout, headers={"Accept-Encoding": "identity"}
        ) as resp:
            if resp.status_code != 200:
                raise DatahubError(f"GET {url}: HTTP {resp.status_code} {resp.reason or ''}")
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            report(f"downloading {url} ({_human(total) if total is not None else 'size unknown'})")
            next_report = 0.1
            with open(path, "wb") as fh:
                for chunk in resp.raw.stream(chunk_size, decode_content=False):
                    fh.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if total and size / total >= next_report:
                        report(f"  {size * 100 // total}% ({_human(size)} of {_human(total)})")
                        next_report = size / total + 0.1
    except (
        requests.RequestException,
        urllib3.exceptions.HTTPError,
    ) as exc:  # raw.stream: urllib3's
        raise DatahubError(
            f"GET {url}: download failed after {size} bytes ({type(exc).__name__})"
        ) from exc
    if total is not None and size != total:
        raise DatahubError(f"GET {url}: truncated download, {size} of {total} bytes")
    return Download(digest.hexdigest(), size)


def _inside(root: Path, candidate: str) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate)
    return real == real_root or real.startswith(real_root + os.sep)


def member_problem(member: tarfile.TarInfo, root: Path) -> str | None:
    """Why `member` must not be extracted under `root` (None: it is safe)."""
    name = member.name.replace("\\", "/")
    if not name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "absolute path"
    if ".." in name.split("/"):
        return "'..' in path"
    if member.ischr() or member.isblk() or member.isfifo():
        return "device or FIFO file"
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
        return f"unsupported member type {member.type!r}"
    if not _inside(root, os.path.join(root, name)):
        return "path leads outside the target through a link"
    if member.issym() or member.islnk():
        link = member.linkname.replace("\\", "/")
        if not link or link.startswith("/") or re.match(r"[A-Za-z]:", link):
            return f"link to absolute path {member.linkname!r}"
        base = posixpath.dirname(name) if member.issym() else ""
        if not _inside(root, os.path.join(root, base, link)):
            return f"link to {member.linkname!r} points outside the target"
    return None


def safe_extract(tarball: Path, root: Path) -> int:
    """Extract `tarball` into `root` after checking every member; returns the member count."""
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        with tarfile.open(tarball, "r:*") as tar:
            for member in tar:
                problem = member_problem(member, root)
                if problem:
                    raise DatahubError(f"{tarball.name}: unsafe member {member.name!r}: {problem}")
                tar.extract(member, root, filter="data")
                count += 1
    except tarfile.FilterError as exc:
        raise DatahubError(
            f"{tarball.name}: unsafe member rejected by the data filter ({exc})"
        ) from exc
    except (tarfile.TarError, EOFError) as exc:
        raise DatahubError(f"{tarball.name}: not a readable tar archive ({exc})") from exc
    return count


def find_study_root(root: Path, study_id: str) -> Path:
    """The extracted folder holding meta_study.txt (not following links)."""
    found = [Path(d) for d, _, files in os.walk(root) if "meta_study.txt" in files]
    if not found:
        raise DatahubError(f"{study_id}.tar.gz: no meta_study.txt in the archive")
    if len(found) > 1:
        named = [d for d in found if d.name == study_id]
        if len(named) != 1:
            raise DatahubError(f"{study_id}.tar.gz: {len(found)} folders with meta_study.txt")
        found = named
    meta = (found[0] / "meta_study.txt").read_text(errors="replace")
    match = re.search(r"^cancer_study_identifier:\s*(\S+)", meta, flags=re.MULTILINE)
    if match and match.group(1) != study_id:
        raise DatahubError(f"{study_id}.tar.gz holds study {match.group(1)!r}, not {study_id!r}")
    return found[0]


def download_datahub_study(
    study_id: str,
    dest_dir: str | Path,
    url_template: str = DEFAULT_URL_TEMPLATE,
    session: requests.Session | None = None,
    progress: Progress = None,
    *,
    expected_sha256: str | None = None,
    overwrite: bool = False,
    timeout: float | tuple[float, float] = (10.0, 300.0),
) -> Path:
    """Download and unpack `study_id` into ``dest_dir/study_id``; returns that folder.

    The tarball's sha256 is written to ``dest_dir/<study_id>.tar.gz.sha256``.
    """
    if not STUDY_ID.fullmatch(study_id):
        raise DatahubError(f"invalid study id {study_id!r}")
    report = reporter(log, progress)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / study_id
    if target.exists() and not overwrite:
        raise DatahubError(f"{target} already exists (pass overwrite=True to replace it)")
    url = url_template.format(study=study_id)
    own_session = session is None
    http = session or requests.Session()
    work = Path(tempfile.mkdtemp(prefix=f".{study_id}.", suffix=".tmp", dir=dest))
    try:
        tarball = work / f"{study_id}.tar.gz"
        digest, size = stream_to_file(http, url, tarball, report, timeout)
        report(f"{study_id}.tar.gz: {_human(size)}, sha256 {digest}")
        if expected_sha256 and digest != expected_sha256.lower():
            raise DatahubError(
                f"{study_id}.tar.gz: sha256 {digest} differs from the expected {expected_sha256}"
            )
        members = safe_extract(tarball, work / "extract")
        study_root = find_study_root(work / "extract", study_id)
        _swap_into_place(study_root, target, work)
        _write_record(dest, study_id, url, digest, size, members)
        report(f"{study_id}: {members} archive members unpacked into {target}")
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if own_session:
            http.close()


def _swap_into_place(study_root: Path, target: Path, work: Path) -> None:
    """Rename the extracted study to `target`; an old copy is moved aside first and removed."""
    old = work / "previous"
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(study_root, target)
    except OSError:
        if old.exists():
            os.replace(old, target)
        raise


def _write_record(
    dest: Path, study_id: str, url: str, digest: str, size: int, members: int
) -> None:
    with atomic_path(dest / f"{study_id}.tar.gz.sha256") as tmp:
        tmp.write_text(f"{digest}  {study_id}.tar.gz\n")
    record = {
        "study_id": study_id,
        "url": url,
        "sha256": digest,
        "bytes": size,
        "members": members,
        "downloaded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    with atomic_path(dest / f"{study_id}.download.json") as tmp:
        tmp.write_text(json.dumps(record, indent=2) + "\n")
