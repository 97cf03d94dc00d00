"""her2cohort.io: line-ending-agnostic reading, '#' header split, atomic writes, TSV round trip."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2cohort import io as hio
from her2cohort.errors import DataError


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    "raw",
    [
        b"A\tB\n1\t2\n",  # LF
        b"A\tB\r\n1\t2\r\n",  # CRLF
        b"A\tB\r1\t2\r",  # old Mac CR
        b"\xef\xbb\xbfA\tB\r\n1\t2\r\n",  # BOM + CRLF
        b"\xef\xbb\xbfA\tB\n1\t2\r",  # BOM, mixed endings
    ],
)
def test_read_normalized_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(raw)
    assert hio.read_normalized_bytes(path) == b"A\tB\n1\t2\n"


def test_read_normalized_bytes_keeps_empty_lines_and_inner_bom(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"a\r\r\nb\xef\xbb\xbf\r\n")  # CR then CRLF: two line ends
    assert hio.read_normalized_bytes(path) == b"a\n\nb\xef\xbb\xbf\n"


def test_split_comment_header() -> None:
    comments, body = hio.split_comment_header(b"#Name\tAge\n#STRING\tNUMBER\nA\tB\n#x\t1\n")
    assert comments == ["Name\tAge", "STRING\tNUMBER"]
    assert body == b"A\tB\n#x\t1\n"  # a '#' row after the header is data


def test_split_comment_header_edge_cases() -> None:
    assert hio.split_comment_header(b"A\tB\n") == ([], b"A\tB\n")
    assert hio.split_comment_header(b"#only") == (["only"], b"")
    assert hio.split_comment_header(b"#\n#\xff\nA\n") == (["", "\ufffd"], b"A\n")


def test_read_tsv_strings_normalises_and_strips(tmp_path: Path) -> None:
    path = tmp_path / "data_clinical_sample.txt"
    path.write_bytes(
        b"\xef\xbb\xbf#Sample\tScore\r\n#STRING\tSTRING\r\n"
        b" SAMPLE_ID \tSCORE\r\nS1\t 2+ \r\nS2\t\r\nS3\t007\r\n"
    )
    frame, comments = hio.read_tsv_strings(path)
    assert comments == ["Sample\tScore", "STRING\tSTRING"]
    assert frame.columns.tolist() == ["SAMPLE_ID", "SCORE"]
    assert (frame.dtypes == "string").all()
    assert frame["SAMPLE_ID"].tolist() == ["S1", "S2", "S3"]
    assert frame["SCORE"].iloc[0] == "2+" and frame["SCORE"].iloc[2] == "007"  # no number parsing
    assert pd.isna(frame["SCORE"].iloc[1])


def test_read_tsv_strings_cr_only_file(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(b"#Patient\r#STRING\rPATIENT_ID\tOS\rP1\t1.5\rP2\tNA\r")
    frame, comments = hio.read_tsv_strings(path)
    assert comments == ["Patient", "STRING"]
    assert frame.to_dict("list") == {"PATIENT_ID": ["P1", "P2"], "OS": ["1.5", "NA"]}


def test_read_tsv_strings_duplicated_column_after_strip(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes(b"SAMPLE_ID\tAGE\t AGE \nS1\t1\t2\n")
    with pytest.raises(DataError) as err:
        hio.read_tsv_strings(path)
    assert str(err.value) == f"{path}: duplicated column(s) AGE"


def test_read_tsv_strings_exactly_duplicated_column(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes(b"SAMPLE_ID\tAGE\tAGE\nS1\t1\t2\n")
    with pytest.raises(DataError, match=r"duplicated column\(s\) AGE"):
        hio.read_tsv_strings(path)


def test_read_tsv_strings_no_header(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(b"#a\tb\r\n#STRING\tSTRING\r\n\r\n")
    with pytest.raises(DataError) as err:
        hio.read_tsv_strings(path)
    assert str(err.value) == f"{path}: no header row after the '#' metadata rows"


def test_atomic_path_failure_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out" / "table.tsv"
    with pytest.raises(RuntimeError), hio.atomic_path(target) as tmp:
        tmp.write_text("half")
        assert tmp.parent == target.parent and tmp.name != target.name
        raise RuntimeError("boom")
    assert _leftovers(target.parent) == []


def test_atomic_path_failure_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "table.tsv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), hio.atomic_path(target) as tmp:
        tmp.write_text("new\n")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == ["table.tsv"]


def test_write_parquet_failure_leaves_nothing(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1, "a"]})  # mixed object column: pyarrow refuses it
    with pytest.raises(Exception):  # noqa: B017 - the exact pyarrow error type does not matter
        hio.write_parquet(frame, tmp_path / "m.parquet")
    assert _leftovers(tmp_path) == []


def test_writers_write_and_leave_no_temp_files(tmp_path: Path) -> None:
    hio.write_text("hello\n", tmp_path / "a" / "t.txt")
    hio.write_json({"b": 1, "when": pd.Timestamp("2020-01-02")}, tmp_path / "a" / "m.json")
    hio.write_parquet(pd.DataFrame({"x": [1.5, None]}), tmp_path / "a" / "m.parquet")
    hio.copy_file(tmp_path / "a" / "t.txt", tmp_path / "b" / "copy.txt")
    assert _leftovers(tmp_path / "a") == ["m.json", "m.parquet", "t.txt"]
    assert _leftovers(tmp_path / "b") == ["copy.txt"]
    assert (tmp_path / "b" / "copy.txt").read_text() == "hello\n"
    assert json.loads((tmp_path / "a" / "m.json").read_text()) == {
        "b": 1,
        "when": "2020-01-02 00:00:00",
    }
    back = pd.read_parquet(tmp_path / "a" / "m.parquet")
    assert back["x"].iloc[0] == 1.5 and pd.isna(back["x"].iloc[1])


def test_atomic_writes_honour_umask_not_0600(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    hio.write_text("x", path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_write_tsv_read_tsv_round_trips_floats_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            [0.1, 1 / 3, 2 / 3, 1e-300, 5e-324, 1.7976931348623157e308, -0.0, 123456789.12345679],
            rng.standard_normal(200) * 10.0 ** rng.integers(-20, 20, 200),
        ]
    )
    frame = pd.DataFrame(
        {
            "x": values,
            "label": [f"r{i}" for i in range(len(values))],
            "y": np.where(np.arange(len(values)) % 5 == 0, np.nan, values),
        }
    )
    path = tmp_path / "t.tsv"
    hio.write_tsv(frame, path)
    back = hio.read_tsv(path)
    assert back.columns.tolist() == ["x", "label", "y"]
    assert back["x"].to_numpy().tobytes() == frame["x"].to_numpy().tobytes()  # bit for bit
    assert back["y"].isna().tolist() == frame["y"].isna().tolist()
    assert np.array_equal(back["y"].to_numpy(), frame["y"].to_numpy(), equal_nan=True)
    assert "NA" in path.read_text().splitlines()[1].split("\t")  # missing written as NA


def test_write_tsv_float_format(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    hio.write_tsv(pd.DataFrame({"p": [0.123456, None]}), path, float_format="%.3g")
    assert path.read_text() == "p\n0.123\nNA\n"


def test_sha256_file_matches_hashlib_across_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 50
    path = tmp_path / "b.bin"
    path.write_bytes(data)
    assert hio.sha256_file(path, chunk=1000) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("body", "line", "fields"),
    [
        ("A\tB\tC\n1\t2\t3\n4\t5\n", 3, 2),  # a cut last line (no newline either)
        ("A\tB\tC\n1\t2\t3\n4\t5", 3, 2),
        ("A\tB\tC\n1\t2\t3\t4\n", 2, 4),  # an extra tab
        ("A\tB\tC\n1\t2\n1\t2\t3\n", 2, 2),
    ],
)
def test_read_tsv_strings_wrong_field_count_names_the_line(tmp_path, body, line, fields) -> None:
    path = tmp_path / "data.txt"
    path.write_text("#comment\n" + body)
    with pytest.raises(
        DataError,
        match=rf"data.txt:{line + 1}: {fields} tab-separated fields where the header has 3",
    ):
        hio.read_tsv_strings(path)


def test_read_tsv_strings_allows_blank_lines(tmp_path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("A\tB\n1\t2\n\n3\t4\n\n")
    frame, _ = hio.read_tsv_strings(path)
    assert frame["A"].tolist() == ["1", "3"]


@pytest.mark.parametrize("chunk", [1, 3, 7, 1 << 24])
def test_field_count_scan_is_the_same_across_chunk_boundaries(monkeypatch, chunk: int) -> None:
    monkeypatch.setattr(hio, "_SCAN_CHUNK", chunk)
    good = b"A\tB\tC\n1\t2\t3\n\n4\t5\t6"
    hio.check_field_counts(good, "x.txt")
    with pytest.raises(DataError, match=r"x.txt:4: 2 tab-separated fields where the header has 3"):
        hio.check_field_counts(b"A\tB\tC\n1\t2\t3\n\n4\t5\n7\t8\t9\n", "x.txt")
