"""Study folder reader: layout, line endings, canonical tables, manifest, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES
from her2cohort.errors import DataError
from her2cohort.io import read_tsv_strings
from her2cohort.source import locate_study, read_study, read_study_folder, write_study

MINI = FIXTURES / "cbioportal" / "mini_brca"


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_line_endings_and_bom_read_identically(tmp_path: Path, eol: str, bom: bytes) -> None:
    text = eol.join(
        [
            "#Name\tId",
            "#d\td",
            "#STRING\tSTRING",
            "#1\t1",
            "PATIENT_ID\tSAMPLE_ID",
            "P1\tS1",
            "P2\tS2",
        ]
    )
    path = tmp_path / "data.txt"
    path.write_bytes(bom + (text + eol).encode())
    frame, comments = read_tsv_strings(path)
    assert list(frame.columns) == ["PATIENT_ID", "SAMPLE_ID"]
    assert frame["SAMPLE_ID"].tolist() == ["S1", "S2"]
    assert comments[0] == "Name\tId"


def test_clinical_without_header_rows(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("PATIENT_ID\tSAMPLE_ID\tX\nP1\tS1\t\nP2\tS2\tv\n")
    frame, comments = read_tsv_strings(path)
    assert comments == []
    assert frame["X"].isna().tolist() == [True, False]


def test_mini_study_tables() -> None:
    t = read_study_folder(MINI)
    assert t.study_id == "mini_brca"
    assert len(t.samples) == 62 and len(t.patients) == 60
    # CR-only patient file
    assert t.patients.set_index("PATIENT_ID").loc["P6", "OS_STATUS"] == "DECEASED"
    # BOM + CRLF MAF with a '#version' line
    assert t.mutations["gene"].iloc[0] == "ESR1"
    assert t.mutations["protein_change"].iloc[0] == "D538G"
    # CNA long form: non-zero only; -1.5 kept as is; NA dropped
    cna = t.cna.set_index(["sample_id", "gene"])["value"]
    assert cna.loc[("P3-T1", "PTEN")] == -1.5
    assert cna.loc[("P5-T1", "RB1")] == -1
    assert ("P6-T1", "PTEN") not in cna.index
    assert set(t.cna["value"]) <= {-2, -1.5, -1, 1, 2}
    # fusions collapsed to one event with both partners
    assert len(t.sv) == 1
    # ordered as in the Fusion name 'BET1-FGFR2 fusion', as datahub's fusion-to-SV converter does
    assert (t.sv.iloc[0]["site1_gene"], t.sv.iloc[0]["site2_gene"]) == ("BET1", "FGFR2")
    # panels: matrix + definitions beside the study
    prof = t.profiles.set_index(["sample_id", "profile"])["panel_id"]
    assert prof.loc[("P6-T1", "mutations")] == "PANEL_B"
    assert prof.loc[("P1-T1", "structural_variants")] == "PANEL_A"
    assert set(t.gene_panels["panel_id"]) == {"PANEL_A", "PANEL_B"}
    assert "ESR1" not in set(t.gene_panels.query("panel_id == 'PANEL_B'")["gene"])
    assert t.case_lists["case_list_id"].unique().tolist() == ["mini_brca_all"]


def test_write_and_read_back_with_manifest(tmp_path: Path) -> None:
    t = read_study_folder(MINI)
    manifest = write_study(t, tmp_path / "study")
    back = read_study(tmp_path / "study")
    pd.testing.assert_frame_equal(back.samples, t.samples.astype("string"), check_dtype=False)
    on_disk = json.loads((tmp_path / "study" / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest, default=str))
    assert on_disk["study_id"] == "mini_brca" and on_disk["source"] == "folder"
    assert on_disk["rows"]["samples"] == 62 and on_disk["rows"]["sv"] == 1
    paths = {Path(i["path"]).name: i for i in on_disk["inputs"]}
    assert len(paths["data_cna.txt"]["sha256"]) == 64 and paths["data_cna.txt"]["size"] > 0
    assert paths["data_mutations.txt"]["rows"] == len(t.mutations)
    assert "pandas" in on_disk["packages"] and "snakemake" in on_disk["packages"]


def test_locate_study_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        locate_study("no_such_study", [tmp_path / "a", "relative/b"])
    msg = str(err.value)
    assert "no_such_study" in msg and str(tmp_path / "a") in msg and "relative/b" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("gene", "name", "sites"),
    [
        ("BCAS3", "BRIP1-BCAS3 fusion", ("BRIP1", "BCAS3")),
        ("BRIP1", "BRIP1-BCAS3 fusion", ("BRIP1", "BCAS3")),
        ("PTEN", "PTEN-intragenic", ("PTEN", None)),
        ("NKX2-1", "NKX2-1-FOO fusion", ("NKX2-1", "FOO")),
        ("FOO", "NKX2-1-FOO fusion", ("NKX2-1", "FOO")),
        ("X", "A-B fusion", ("X", None)),
    ],
)
def test_fusion_partners_follow_the_name(gene, name, sites) -> None:
    from her2cohort.source.folder import fusion_partners

    assert fusion_partners(gene, name) == sites


def _copy_mini(tmp_path: Path) -> Path:
    dest = tmp_path / "mini_brca"
    shutil.copytree(MINI, dest)
    return dest


def test_error_meta_points_to_missing_file(tmp_path: Path) -> None:
    study = _copy_mini(tmp_path)
    (study / "data_cna.txt").unlink()
    with pytest.raises(
        DataError, match=r"meta_cna.txt: data_filename 'data_cna.txt' does not exist"
    ) as err:
        read_study_folder(study)
    assert "\n" not in str(err.value)


def test_error_no_sample_id_column(tmp_path: Path) -> None:
    study = _copy_mini(tmp_path)
    path = study / "data_clinical_sample.txt"
    path.write_text(path.read_text().replace("\tSAMPLE_ID\t", "\tSAMPLE_IDENTIFIER\t"))
    with pytest.raises(DataError, match=r"data_clinical_sample.txt: no SAMPLE_ID column") as err:
        read_study_folder(study)
    assert "\n" not in str(err.value)


def test_error_duplicated_sample_ids_names_lines(tmp_path: Path) -> None:
    study = _copy_mini(tmp_path)
    path = study / "data_clinical_sample.txt"
    lines = path.read_text().splitlines()
    lines.append(lines[6])  # second data row again
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        read_study_folder(study)
    msg = str(err.value)
    assert "data_clinical_sample.txt: duplicated SAMPLE_ID P1-T2" in msg
    assert "lines 7, 68" in msg and "\n" not in msg


def test_error_bad_cna_value_names_column(tmp_path: Path) -> None:
    study = _copy_mini(tmp_path)
    path = study / "data_cna.txt"
    lines = path.read_text().splitlines()
    cells = lines[1].split("\t")
    cells[3] = "3"
    lines[1] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        DataError, match=r"data_cna.txt: column P1-T2, gene MYC: discrete CNA value '3'"
    ):
        read_study_folder(study)


@pytest.mark.real
def test_real_msk_study(msk_tables) -> None:
    t = msk_tables
    assert t.study_id == "breast_msk_2018"
    assert len(t.samples) == 1918 and t.samples["PATIENT_ID"].nunique() == 1756
    assert len(t.patients) == 1756
    assert len(t.mutations) == 9314
    assert t.cna["value"].value_counts().to_dict() == {2.0: 5938, -2.0: 710, -1.5: 115}
    assert len(t.sv) == 333
    assert t.profiles.groupby("profile").size().to_dict() == {
        "cna": 1918,
        "mutations": 1918,
        "structural_variants": 1918,
    }
    assert set(t.profiles["panel_id"]) == {"IMPACT341", "IMPACT410", "IMPACT468"}
    assert any("IMPACT341" in n for n in t.notes)


@pytest.mark.real
def test_real_metabric_study_cr_patient_file(metabric_tables) -> None:
    t = metabric_tables
    assert len(t.samples) == 2509 and len(t.patients) == 2509
    assert t.patients["OS_STATUS"].value_counts().to_dict() == {"DECEASED": 1143, "LIVING": 837}
    assert len(t.mutations) == 17272 and len(t.cna) == 0
    assert t.profiles["profile"].unique().tolist() == ["mutations"]
    assert set(t.gene_panels["panel_id"]) == {"METABRIC_173"}
    assert t.gene_panels["gene"].nunique() == 173


def test_duplicated_cna_gene_rows_keep_the_first_row(tmp_path: Path) -> None:
    """The first row of a gene is its call (a later non-zero row never overrides a first 0), and
    the dropped rows are counted in a warning that reaches the manifest's notes."""
    from her2cohort.source.folder.molecular import read_cna_matrix

    path = tmp_path / "data_cna.txt"
    path.write_text(
        "Hugo_Symbol\tS1\tS2\tS3\nMYC\t0\t2\t0\nERBB2\t2\t0\t0\nMYC\t2\t0\t-2\nMYC\t2\t2\t2\n"
    )
    calls, samples, warnings = read_cna_matrix(path)
    sid, gene = calls["sample_id"].astype(str), calls["gene"].astype(str)
    got = sorted(zip(sid, gene, calls["value"], strict=True))
    assert got == [("S1", "ERBB2", 2.0), ("S2", "MYC", 2.0)]
    assert samples == ["S1", "S2", "S3"]
    assert warnings == [
        "data_cna.txt: 2 duplicated gene row(s) dropped, the first row of each gene kept (MYC)"
    ]
