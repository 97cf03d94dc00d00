"""Genes, mutations, structural variants and discrete CNA, as the importer stores them."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from cbioportal_server.base import ModelBase, Profile
from cbioportal_server.importer import (
    CNA_EVENT_TYPES,
    SV_FILE_FIELDS,
    SV_INT_FIELDS,
    TERT_ENTREZ,
    accept_mutation,
    as_int,
    compact,
    fusion_events,
    mutation_event_key,
    protein_change_of,
    text_or_none,
)
from her2cohort.io import read_normalized_bytes, read_tsv_strings, split_comment_header
from her2cohort.source.folder import parse_meta


class MolecularRecords(ModelBase):
    """The molecular part of the study model."""

    def _raw_frame(self, prof: Profile) -> pd.DataFrame:
        """A MAF / SV / fusion file as strings (read once)."""
        if prof.profile_id not in self._frames:
            assert prof.data_path is not None
            self._frames[prof.profile_id], _ = read_tsv_strings(prof.data_path)
        return self._frames[prof.profile_id]

    def _cna_wide(self, prof: Profile) -> pl.DataFrame:
        if prof.profile_id not in self._wide:
            assert prof.data_path is not None
            _, body = split_comment_header(read_normalized_bytes(prof.data_path))
            self._wide[prof.profile_id] = pl.read_csv(
                io.BytesIO(body), separator="\t", infer_schema=False, quote_char=None
            )
        return self._wide[prof.profile_id]

    def cna_cells(self, profile_id: str) -> pl.DataFrame:
        """Long (gene, sampleId, raw) for every cell of the profile's matrix."""
        if profile_id not in self._cells:
            wide = self._cna_wide(self.profiles[profile_id])
            samples = [
                c for c in wide.columns if c not in ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")
            ]
            samples = [s for s in samples if s in self.patient_of]
            long = wide.select(["Hugo_Symbol", *samples]).unpivot(
                index="Hugo_Symbol", on=samples, variable_name="sampleId", value_name="raw"
            )
            self._cells[profile_id] = long.with_columns(pl.col("raw").str.strip_chars())
        return self._cells[profile_id]

    def _symbol_pairs(self, prof: Profile) -> Iterator[tuple[Any, Any]]:
        """(Hugo symbol, Entrez id as written) for every gene a data file names."""
        if prof.kind == "cna":
            wide = self._cna_wide(prof)
            ids = (
                wide["Entrez_Gene_Id"].to_list()
                if "Entrez_Gene_Id" in wide.columns
                else [None] * wide.height
            )
            yield from zip(wide["Hugo_Symbol"].to_list(), ids, strict=True)
            return
        frame = self._raw_frame(prof)
        for sym_col, id_col in (
            ("Hugo_Symbol", "Entrez_Gene_Id"),
            ("Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id"),
            ("Site2_Hugo_Symbol", "Site2_Entrez_Gene_Id"),
        ):
            if sym_col in frame.columns:
                ids = (
                    frame[id_col] if id_col in frame.columns else pd.Series(None, index=frame.index)
                )
                yield from zip(frame[sym_col], ids, strict=True)

    def _gene_table(self, panel_dirs: Sequence[Path]) -> dict[str, int]:
        """Symbol -> Entrez id: the files' ids when > 0, else synthetic (TERT keeps 7015)."""
        known: dict[str, int] = {}
        symbols: set[str] = set()
        for prof in self.profiles.values():
            if prof.data_path is None or prof.kind is None:
                continue
            for sym, raw_id in self._symbol_pairs(prof):
                symbol = text_or_none(sym)
                if symbol is None:
                    continue
                symbols.add(symbol)
                entrez = as_int(raw_id)
                if entrez and entrez > 0:
                    known.setdefault(symbol, entrez)
        for path in self._panel_files(panel_dirs):
            symbols.update(parse_meta(path).get("gene_list", "").replace("\t", " ").split())
        if "TERT" in symbols:
            known.setdefault("TERT", TERT_ENTREZ)
        table = dict(known)
        table.update(
            {sym: 100_000_000 + rank for rank, sym in enumerate(sorted(symbols - set(known)))}
        )
        self.symbol_of = {entrez: sym for sym, entrez in table.items()}
        return table

    def _read_mutations(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for prof in self.profiles.values():
            if prof.kind != "mutations" or prof.data_path is None:
                continue
            filtered = None
            if "variant_classification_filter" in prof.meta:
                filtered = {
                    v.strip()
                    for v in prof.meta["variant_classification_filter"].split(",")
                    if v.strip()
                }
            # a record repeating one already read (same sample and event) is stored once: the
            # importer merges the two (mergeMutationData; it may prefer the second's normal
            # barcode or validation status, fields the mock does not serve), the mock keeps the first
            merged: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in self._raw_frame(prof).to_dict("records"):
                rec = self._mutation(prof, row, filtered)
                if rec is not None:
                    merged.setdefault(mutation_event_key(rec), rec)
            records = list(merged.values())
            records.sort(
                key=lambda r: (r["sampleId"], r["entrezGeneId"], r.get("proteinChange") or "")
            )
            out[prof.profile_id] = records
        return out

    def _mutation(
        self, prof: Profile, row: dict[str, Any], filtered: set[str] | None
    ) -> dict[str, Any] | None:
        symbol = str(row["Hugo_Symbol"])
        sample = str(row["Tumor_Sample_Barcode"])
        if sample not in self.patient_of or symbol == "Unknown":
            return None
        entrez = as_int(row.get("Entrez_Gene_Id")) or 0
        entrez = entrez if entrez > 0 else self.genes[symbol]
        mtype = text_or_none(row.get("Variant_Classification")) or "NA"
        status = text_or_none(row.get("Mutation_Status"))
        accepted, promoter = accept_mutation(
            mtype, status, text_or_none(row.get("Validation_Status")), entrez, filtered
        )
        if not accepted:
            return None
        ref = text_or_none(row.get("Reference_Allele"))
        allele2 = text_or_none(row.get("Tumor_Seq_Allele2"))
        allele = (
            allele2
            if allele2 and allele2 != ref
            else text_or_none(row.get("Tumor_Seq_Allele1")) or allele2
        )
        return compact(
            {
                **self.sample_ref(sample),
                "molecularProfileId": prof.profile_id,
                "entrezGeneId": entrez,
                "center": text_or_none(row.get("Center")),
                "mutationStatus": status,
                "validationStatus": text_or_none(row.get("Validation_Status")),
                "tumorAltCount": as_int(row.get("t_alt_count")),
                "tumorRefCount": as_int(row.get("t_ref_count")),
                "normalAltCount": as_int(row.get("n_alt_count")),
                "normalRefCount": as_int(row.get("n_ref_count")),
                "chr": text_or_none(row.get("Chromosome")),
                "startPosition": as_int(row.get("Start_Position")),
                "endPosition": as_int(row.get("End_Position")),
                "referenceAllele": ref,
                "variantAllele": allele,
                "proteinChange": "Promoter"
                if promoter
                else protein_change_of(
                    text_or_none(row.get("HGVSp_Short")), text_or_none(row.get("Amino_Acid_Change"))
                ),
                "mutationType": mtype,
                "ncbiBuild": text_or_none(row.get("NCBI_Build")),
                "variantType": text_or_none(row.get("Variant_Type")),
                "refseqMrnaId": text_or_none(row.get("RefSeq")),
            }
        )

    def _read_svs(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for prof in self.profiles.values():
            if prof.kind != "structural_variants" or prof.data_path is None:
                continue
            frame = self._raw_frame(prof)
            if prof.meta.get("genetic_alteration_type", "").upper() == "FUSION":
                events = fusion_events(frame.dropna(subset=["Hugo_Symbol", "Tumor_Sample_Barcode"]))
            else:
                events = [
                    {name: text_or_none(row.get(col)) for col, name in SV_FILE_FIELDS.items()}
                    for row in frame.to_dict("records")
                ]
            records = []
            for event in events:
                if event["sampleId"] not in self.patient_of:
                    continue
                rec = {
                    **self.sample_ref(event["sampleId"]),
                    "molecularProfileId": prof.profile_id,
                    **event,
                }
                for site in ("site1", "site2"):
                    sym = rec.get(f"{site}HugoSymbol")
                    rec[f"{site}EntrezGeneId"] = self.genes.get(sym) if sym else None
                    if rec[f"{site}EntrezGeneId"] is None:
                        rec[f"{site}HugoSymbol"] = None  # the portal joins the symbol on the id
                for name in SV_INT_FIELDS:
                    if rec.get(name) is not None:
                        rec[name] = as_int(rec[name])
                records.append(compact(rec))
            records.sort(
                key=lambda r: (r.get("site1HugoSymbol") or "", r.get("site2HugoSymbol") or "")
            )
            out[prof.profile_id] = records
        return out

    def gene_record(self, entrez: int) -> dict[str, Any]:
        return {
            "entrezGeneId": entrez,
            "hugoGeneSymbol": self.symbol_of[entrez],
            "type": "protein-coding",
        }

    def cna_records(
        self,
        profile_id: str,
        samples: set[str],
        event_type: str,
        genes: set[int] | None,
        detailed: bool,
    ) -> list[dict[str, Any]]:
        cells = self.cna_cells(profile_id)
        wanted = CNA_EVENT_TYPES[event_type]
        if set(wanted) <= {-2, 2}:
            # cna_event table: the importer stored -1.5 as -2
            allowed = [
                v
                for v, keep in (("-2", -2 in wanted), ("-1.5", -2 in wanted), ("2", 2 in wanted))
                if keep
            ]
            picked = cells.filter(pl.col("raw").is_in(allowed))
        else:
            # genetic_alteration matrix: only values Integer.parseInt accepts
            picked = cells.filter(pl.col("raw").str.contains(r"^-?\d+$"))
            picked = picked.filter(pl.col("raw").cast(pl.Int64).is_in(list(wanted)))
        out = []
        for symbol, sample, raw in picked.iter_rows():
            if sample not in samples:
                continue
            entrez = self.genes[symbol]
            if genes is not None and entrez not in genes:
                continue
            value = -2 if raw == "-1.5" else int(raw)
            rec = {
                **self.sample_ref(sample),
                "molecularProfileId": profile_id,
                "entrezGeneId": entrez,
                "alteration": value,
            }
            if detailed:
                rec["gene"] = self.gene_record(entrez)
            out.append(rec)
        return out
