"""her2cohort.source.datahub: tarballs built here, served from 127.0.0.1, good and malicious."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pandas as pd
import pytest

from cbioportal_server import local_server, write_tiny_study
from her2cohort.source.datahub import DatahubError, download_datahub_study, member_problem
from her2cohort.source.folder import read_study_folder

STUDY = "tiny_study"


class Files:
    """What the local server answers: url path -> bytes; `truncate` paths lie about their length."""

    def __init__(self) -> None:
        self.content: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.requests: list[str] = []


def make_handler(files: Files) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def do_GET(self) -> None:  # noqa: N802
            files.requests.append(self.path)
            body = files.content.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path in files.truncate:
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Files]]:
    """An http.server on 127.0.0.1 in a thread; yields (url template, files)."""
    files = Files()
    with local_server(make_handler(files), "datahub-mock") as port:
        yield f"http://127.0.0.1:{port}/{{study}}.tar.gz", files


def tar_folder(folder: Path, arcname: str | None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        if arcname is None:
            for path in sorted(folder.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
        else:
            tar.add(folder, arcname=arcname)
    return buf.getvalue()


def tar_with(folder: Path, *extra: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    """The study under STUDY/ plus hand-made members (appended last)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=STUDY)
        for info, data in extra:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = link
    member.mode = 0o644
    return member


@pytest.fixture
def study(tmp_path: Path) -> Path:
    return write_tiny_study(tmp_path / "source", STUDY)


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


@pytest.mark.parametrize("arcname", [STUDY, None], ids=["top-level-folder", "flat"])
def test_download_unpacks_the_study_and_records_sha256(server, study, tmp_path, arcname) -> None:
    url, files = server
    blob = tar_folder(study, arcname)
    files.content[f"/{STUDY}.tar.gz"] = blob
    messages: list[str] = []
    dest = tmp_path / "mirror"
    folder = download_datahub_study(STUDY, dest, url_template=url, progress=messages.append)
    assert folder == dest / STUDY
    digest = hashlib.sha256(blob).hexdigest()
    assert (dest / f"{STUDY}.tar.gz.sha256").read_text() == f"{digest}  {STUDY}.tar.gz\n"
    record = json.loads((dest / f"{STUDY}.download.json").read_text())
    assert record["sha256"] == digest and record["bytes"] == len(blob)
    assert leftovers(dest) == sorted([STUDY, f"{STUDY}.tar.gz.sha256", f"{STUDY}.download.json"])
    assert any(digest in m for m in messages) and any("100%" in m for m in messages)
    got, want = read_study_folder(folder), read_study_folder(study)
    for name in ("samples", "patients", "mutations", "cna", "sv", "profiles", "case_lists"):
        pd.testing.assert_frame_equal(got.table(name), want.table(name), obj=name)


MALICIOUS: dict[str, list[tuple[tarfile.TarInfo, bytes | None]]] = {
    "absolute-path": [(info("/tmp/her2cohort-evil.txt"), b"x")],
    "dotdot-path": [(info("../evil.txt"), b"x")],
    "dotdot-inside-path": [(info(f"{STUDY}/../../evil.txt"), b"x")],
    "symlink-absolute": [(info(f"{STUDY}/passwd", tarfile.SYMTYPE, "/etc/passwd"), None)],
    "symlink-outside": [(info(f"{STUDY}/up", tarfile.SYMTYPE, "../../evil"), None)],
    "symlink-through-symlink-dir": [
        (info(f"{STUDY}/here", tarfile.SYMTYPE, "."), None),
        (info(f"{STUDY}/here/escape", tarfile.SYMTYPE, "../../evil"), None),
    ],
    "write-through-symlink": [
        (info(f"{STUDY}/out", tarfile.SYMTYPE, "../.."), None),
        (info(f"{STUDY}/out/evil.txt"), b"x"),
    ],
    "hardlink-outside": [(info(f"{STUDY}/hard", tarfile.LNKTYPE, "../outside.txt"), None)],
    "hardlink-absolute": [(info(f"{STUDY}/hard", tarfile.LNKTYPE, "/etc/passwd"), None)],
    "char-device": [(info(f"{STUDY}/null", tarfile.CHRTYPE), None)],
    "block-device": [(info(f"{STUDY}/disk", tarfile.BLKTYPE), None)],
    "fifo": [(info(f"{STUDY}/pipe", tarfile.FIFOTYPE), None)],
}


@pytest.mark.parametrize("case", list(MALICIOUS))
def test_malicious_tarballs_are_rejected_without_leftovers(server, study, tmp_path, case) -> None:
    url, files = server
    files.content[f"/{STUDY}.tar.gz"] = tar_with(study, *MALICIOUS[case])
    dest = tmp_path / "box" / "mirror"
    with pytest.raises(DatahubError, match="unsafe member") as err:
        download_datahub_study(STUDY, dest, url_template=url)
    assert "\n" not in str(err.value)
    assert leftovers(dest) == []  # no study folder, no temp dir, no sha file
    assert not list((tmp_path / "box").rglob("evil*"))
    assert not Path("/tmp/her2cohort-evil.txt").exists()


def test_member_checks_allow_ordinary_links(tmp_path) -> None:
    assert member_problem(info("s/data.txt"), tmp_path) is None
    assert member_problem(info("s/alias.txt", tarfile.SYMTYPE, "data.txt"), tmp_path) is None
    assert member_problem(info("s/hard.txt", tarfile.LNKTYPE, "s/data.txt"), tmp_path) is None


def test_http_error_names_the_url_and_status(server, tmp_path) -> None:
    url, _ = server
    with pytest.raises(DatahubError, match=r"GET http://127\.0\.0\.1:\d+/nope\.tar\.gz: HTTP 404"):
        download_datahub_study("nope", tmp_path / "m", url_template=url)
    assert leftovers(tmp_path / "m") == []


def test_truncated_download_is_rejected(server, study, tmp_path) -> None:
    url, files = server
    files.content[f"/{STUDY}.tar.gz"] = tar_folder(study, STUDY)
    files.truncate.add(f"/{STUDY}.tar.gz")
    with pytest.raises(DatahubError, match=r"download failed|truncated download"):
        download_datahub_study(STUDY, tmp_path / "m", url_template=url)
    assert leftovers(tmp_path / "m") == []


def test_checksum_mismatch_is_rejected(server, study, tmp_path) -> None:
    url, files = server
    files.content[f"/{STUDY}.tar.gz"] = tar_folder(study, STUDY)
    with pytest.raises(DatahubError, match="differs from the expected"):
        download_datahub_study(STUDY, tmp_path / "m", url_template=url, expected_sha256="0" * 64)
    assert leftovers(tmp_path / "m") == []


def test_existing_study_is_kept_unless_overwrite(server, study, tmp_path) -> None:
    url, files = server
    files.content[f"/{STUDY}.tar.gz"] = tar_folder(study, STUDY)
    dest = tmp_path / "m"
    (dest / STUDY).mkdir(parents=True)
    (dest / STUDY / "old.txt").write_text("old")
    with pytest.raises(DatahubError, match="already exists"):
        download_datahub_study(STUDY, dest, url_template=url)
    assert files.requests == []
    folder = download_datahub_study(STUDY, dest, url_template=url, overwrite=True)
    assert not (folder / "old.txt").exists() and (folder / "meta_study.txt").is_file()
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]


def test_archive_of_another_study_or_no_study_is_rejected(server, study, tmp_path) -> None:
    url, files = server
    files.content["/other.tar.gz"] = tar_folder(study, "other")
    with pytest.raises(DatahubError, match="holds study 'tiny_study', not 'other'"):
        download_datahub_study("other", tmp_path / "m", url_template=url)
    files.content["/junk.tar.gz"] = b"not a tarball at all"
    with pytest.raises(DatahubError, match="not a readable tar archive"):
        download_datahub_study("junk", tmp_path / "m", url_template=url)
    assert leftovers(tmp_path / "m") == []


@pytest.mark.parametrize("bad", ["../x", "a/b", "", ".hidden"])
def test_study_ids_cannot_name_paths(tmp_path, bad) -> None:
    with pytest.raises(DatahubError, match="invalid study id"):
        download_datahub_study(bad, tmp_path, url_template="http://127.0.0.1:9/{study}.tar.gz")
