"""Joins the PDFs of a batch's chunks into one file as they arrive.

Kept apart from ``pdf.py`` so that printing one letter does not load qpdf (pikepdf takes a
tenth of a second to import).
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import BinaryIO

import pikepdf


class PdfJoiner:
    """Joins PDFs (chunks of a batch) into ``out`` as they come, keeping the first one's document
    information and language. Each part's objects are written straight out, renumbered, so that
    joining thousands of letters takes the memory of one chunk, and the joining is done while
    the next chunks are still being rendered."""

    def __init__(self, out: BinaryIO):
        self.joined = _PdfStream(out)
        self.pages_id = self.joined.reserve()
        self.page_ids: list[int] = []
        self.info: dict[str, object] = {}
        self.lang = None
        self.parts = 0
        # Streams that need nothing else (font files, most drawings) and come back in several
        # parts — each chunk carries the shared layers — are written once.
        self._streams: dict[tuple[bytes, bytes], int] = {}

    def add(self, pdf: bytes | Path) -> None:
        joined = self.joined
        source = io.BytesIO(pdf) if isinstance(pdf, bytes | bytearray) else pdf
        with pikepdf.Pdf.open(source) as part:
            if not self.parts:
                self.info = {key: value for key, value in part.docinfo.items()
                             if isinstance(value, pikepdf.String)}
                self.lang = part.Root.get("/Lang")
            self.parts += 1
            objects = list(part.objects)
            skipped = _structure_objects(part, objects)
            ids: dict[tuple[int, int], int] = {}
            known: set[tuple[int, int]] = set()
            for obj in objects:
                if obj.objgen in skipped:
                    continue
                if isinstance(obj, pikepdf.Stream):
                    dictionary = obj.stream_dict.unparse()
                    if not _REFERENCE.search(dictionary):
                        key = (dictionary, hashlib.sha256(obj.read_raw_bytes()).digest())
                        if key in self._streams:
                            ids[obj.objgen] = self._streams[key]
                            known.add(obj.objgen)
                            continue
                        self._streams[key] = ids[obj.objgen] = joined.reserve()
                        continue
                ids[obj.objgen] = joined.reserve()
            parent = b"/Parent %d 0 R" % self.pages_id
            for obj in objects:
                if obj.objgen in skipped or obj.objgen in known:
                    continue
                if isinstance(obj, pikepdf.Stream):
                    body = _renumbered(obj.stream_dict.unparse(), ids)
                    body = _LENGTH.sub(b"", body) if body is not None else \
                        _unparse_dictionary(obj.stream_dict, ids, skip={"/Length"})
                    joined.write_stream(ids[obj.objgen], body, obj.read_raw_bytes())
                elif isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Page":
                    body = _renumbered(obj.unparse(resolved=True), ids)
                    if body is not None:
                        body, found = _PARENT.subn(parent, body)
                    if body is None or found != 1:
                        body = _unparse_dictionary(obj, ids, skip={"/Parent"},
                                                   extra=parent.decode())
                    joined.write(ids[obj.objgen], body)
                else:
                    body = _renumbered(obj.unparse(resolved=True), ids) \
                        if isinstance(obj, pikepdf.Dictionary | pikepdf.Array) else None
                    joined.write(ids[obj.objgen], body if body is not None
                                 else _unparse(obj, ids))
            self.page_ids += [ids[page.obj.objgen] for page in part.pages]

    def finish(self) -> None:
        joined = self.joined
        kids = " ".join(f"{n} 0 R" for n in self.page_ids)
        joined.write(self.pages_id,
                     f"<< /Type /Pages /Count {len(self.page_ids)} /Kids [{kids}] >>".encode())
        catalog = f"<< /Type /Catalog /Pages {self.pages_id} 0 R".encode()
        if self.lang is not None:
            catalog += b" /Lang " + self.lang.unparse()
        catalog_id = joined.reserve()
        joined.write(catalog_id, catalog + b" >>")
        info_id = joined.reserve()
        joined.write(info_id, b"<< " + b" ".join(
            pikepdf.Name(key).unparse() + b" " + value.unparse()
            for key, value in self.info.items()) + b" >>")
        joined.finish(catalog_id, info_id)


_STRUCTURE_TYPES = {pikepdf.Name(kind) for kind in
                    ("/Catalog", "/Pages", "/ObjStm", "/XRef", "/Metadata")}
_REFERENCE = re.compile(rb"\d+\s+\d+\s+R\b")
# In qpdf's own writing of an object (``unparse``): a reference, the part's page tree as a
# page's parent (not kept: null once renumbered), a stream's length.
_REFERENCE_TOKEN = re.compile(rb"(?<![\w.#])(\d+) (\d+) R\b")
_PARENT = re.compile(rb"/Parent (?:null|\d+ \d+ R)\b")
_LENGTH = re.compile(rb"/Length (?:\d+ \d+ R|\d+)(?![\d.])")


class _PdfStream:
    """Writes a PDF object by object, then the cross-reference table."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.offsets: dict[int, int] = {}
        self.count = 0
        self.position = 0
        self._put(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _put(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def write(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        self._put(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def write_stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        self.offsets[number] = self.position
        self._put(b"%d 0 obj\n%s\nstream\n" % (number, dictionary[:-2]
                                                  + b" /Length %d >>" % len(data)))
        self._put(data)
        self._put(b"\nendstream\nendobj\n")

    def finish(self, catalog: int, info: int) -> None:
        start = self.position
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % (self.count + 1)]
        lines += [b"%010d 00000 n \n" % self.offsets[n] if n in self.offsets
                  else b"0000000000 00000 f \n" for n in range(1, self.count + 1)]
        self._put(b"".join(lines))
        self._put(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                  % (self.count + 1, catalog, info, start))


def _structure_objects(part, objects: list) -> set[tuple[int, int]]:
    """The objects of a part that the joined file makes anew: its catalog, page tree, document
    information, metadata and the containers of compressed objects."""
    skipped = set()
    for obj in objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and "/Type" in obj \
                and obj.Type in _STRUCTURE_TYPES:
            skipped.add(obj.objgen)
    info = part.trailer.get("/Info")
    if info is not None and info.is_indirect:
        skipped.add(info.objgen)
    # An outline or named destinations of a part would point into the part's structure.
    for key in ("/Outlines", "/Names", "/StructTreeRoot"):
        if key in part.Root and part.Root[key].is_indirect:
            skipped.add(part.Root[key].objgen)
    return skipped


def _renumbered(body: bytes, ids: dict) -> bytes | None:
    """An object as qpdf writes it (``unparse``) with its references renumbered by ``ids``
    (null if not kept), in one pass over the bytes; None if it holds a string, whose text
    could look like a reference (the object is then written value by value)."""
    if b"(" in body:
        return None

    def again(match: re.Match[bytes]) -> bytes:
        number = ids.get((int(match[1]), int(match[2])))
        return b"%d 0 R" % number if number else b"null"

    return _REFERENCE_TOKEN.sub(again, body)


def _unparse(obj, ids: dict) -> bytes:
    """An indirect object's own body in PDF syntax, references renumbered by ``ids``."""
    if isinstance(obj, pikepdf.Dictionary):
        return _unparse_dictionary(obj, ids)
    if isinstance(obj, pikepdf.Array):
        return b"[" + b" ".join(_unparse_value(item, ids) for item in obj) + b"]"
    return _unparse_value(obj, ids)


def _unparse_value(value, ids: dict) -> bytes:
    """A value inside an object: a reference (null if its object is not kept) or the value."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        number = ids.get(value.objgen)
        return b"%d 0 R" % number if number else b"null"
    if isinstance(value, pikepdf.Dictionary | pikepdf.Array):
        return _unparse(value, ids)
    if isinstance(value, pikepdf.Object):
        return value.unparse()
    if value is None:
        return b"null"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    return str(value).encode()


def _unparse_dictionary(obj, ids: dict, *, skip: set[str] = frozenset(),
                        extra: str = "") -> bytes:
    items = [pikepdf.Name(key).unparse() + b" " + _unparse_value(value, ids)
             for key, value in obj.items() if key not in skip]
    if extra:
        items.append(extra.encode())
    return b"<< " + b" ".join(items) + b" >>"
