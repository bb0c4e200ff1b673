"""A letter cut from a mail merge keeps only the glyphs it draws.

The per-signer layers of a composed chunk (compose.py: every signer's sender block and closing)
are written as one PDF, so their fonts are subset to the characters of every name and message of
the chunk. A letter written to a file of its own (``campaign letter batch -o DIR/``, the
mail-merge ZIP) would carry them all: the outlines of the other signers' names in its font
programs, their characters in the fonts' ToUnicode maps, their widths. ``keep_drawn_glyphs``
subsets those fonts again in the letter's file, to the glyphs that the letter's own pages draw,
and drops the fonts, images and drawings of those pages' resources that the pages do not use.

The fonts are WeasyPrint's: Type 0 fonts with two-byte codes that are glyph indexes (Identity-H,
or WeasyPrint's own CMap, which draws the characters no font has with glyph 0 under codes past
the font's glyphs), with a TrueType (FontFile2) or OpenType CFF (FontFile3) program. Here the
glyphs are cut and renumbered (fontprograms.py), which leaves a font of a few kilobytes, and
the letter's content streams are written again with the new codes; the fonts keep WeasyPrint's
form (code = CID = glyph index), which every PDF reader reads alike. In a CID-keyed CFF font the
subset keeps each glyph's CID from the font it was cut from, so the charset is rewritten to make
each CID its glyph's index: poppler takes a CID for the glyph index, other readers look it up in
the charset.

The layers that every letter's file copies (the body, the sources annex, the page numbers) are
already written with fonts that hold only their glyphs (pdf.py); ``compact_layer`` cuts them
down the same way when they are not (fonts WeasyPrint subset itself keep every glyph index up
to the last one used: some 60,000 empty glyphs in a CJK font).

HarfBuzz's subsetter (libharfbuzz-subset, through cffi) does the subsetting. Anything else — a
font of another kind, a drawing that the pages refer to and that is not read here — raises
``UnknownDrawing``; the letters are then laid out and written one by one.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pikepdf

from campaign.letters.fontprograms import UnreadableFont, cids_as_indexes_again, subset_program


class UnknownDrawing(Exception):
    """A letter's page uses a font or a drawing whose glyphs cannot be told apart here."""


# --- What the pages draw -------------------------------------------------------------------

# Resources that the content streams name, by the operators that name them (the operand that is
# a name: the first one, or the last one of scn/SCN).
_NAMING = {"Tf": "/Font", "Do": "/XObject", "gs": "/ExtGState", "sh": "/Shading",
           "scn": "/Pattern", "SCN": "/Pattern"}
_NAME_AT = {"scn": -1, "SCN": -1}
_SHOW_TEXT = {"Tj": 0, "'": 0, '"': 2, "TJ": 0}


@dataclass
class _Drawn:
    """What the content streams read so far draw and use."""

    codes: dict[tuple[int, int], set[int]] = field(default_factory=dict)  # by Type 0 font
    fonts: dict[tuple[int, int], pikepdf.Dictionary] = field(default_factory=dict)
    # Each resource dictionary (/Font, /XObject…) read, and the names the streams used from it.
    names: dict[object, tuple[pikepdf.Dictionary, set[str]]] = field(default_factory=dict)
    read: set[tuple[int, int]] = field(default_factory=set)  # content streams read
    # The content streams that show text: their instructions, and which of them show text in
    # which font.
    texts: list[tuple[pikepdf.Stream, list, list[tuple[int, tuple[int, int]]]]] = \
        field(default_factory=list)


def _resource(resources, category: str, name: str, owner, drawn: _Drawn):
    table = resources.get(category) if resources is not None else None
    found = table.get(name) if table is not None else None
    if found is None:
        raise UnknownDrawing(f"a page uses {category} {name}, which it does not have")
    drawn.names.setdefault(_table_key(table, category, owner), (table, set()))[1].add(name)
    return found


def _table_key(table, category: str, owner) -> object:
    return table.objgen if table.is_indirect else (owner.objgen, category)


def _read(stream: pikepdf.Stream, resources, drawn: _Drawn) -> None:
    """Notes the codes each font of ``stream`` shows and the resources it uses, reading the
    forms, patterns and soft masks it draws too."""
    if not stream.is_indirect:
        raise UnknownDrawing("a drawing that is not an object of its own")
    if stream.objgen in drawn.read:
        return
    drawn.read.add(stream.objgen)
    resources = stream.get("/Resources", resources)
    for category in set(_NAMING.values()):  # what it does not use is dropped
        table = resources.get(category) if resources is not None else None
        if table is not None:
            drawn.names.setdefault(_table_key(table, category, stream), (table, set()))
    font = None
    saved: list = []
    instructions = pikepdf.parse_content_stream(stream)
    shown_by: list[tuple[int, tuple[int, int]]] = []
    for index, (operands, operator) in enumerate(instructions):
        op = str(operator)
        if op == "q":
            saved.append(font)
        elif op == "Q":
            font = saved.pop() if saved else None
        elif op in _SHOW_TEXT:
            if font is None:
                raise UnknownDrawing("text shown without a font")
            shown_by.append((index, font.objgen))
            for string in _strings(op, operands):
                drawn.codes[font.objgen].update(_codes(bytes(string)))
        elif op in _NAMING and operands and isinstance(operands[_NAME_AT.get(op, 0)],
                                                       pikepdf.Name):
            used = _resource(resources, _NAMING[op], str(operands[_NAME_AT.get(op, 0)]),
                             stream, drawn)
            if op == "Tf":
                font = _type0(used, drawn)
            for drawing in _drawings(op, used):
                _read(drawing, resources, drawn)
    if shown_by:
        drawn.texts.append((stream, instructions, shown_by))


def _strings(op: str, operands) -> list:
    shown = operands[_SHOW_TEXT[op]]
    return [s for s in (shown if op == "TJ" else (shown,)) if isinstance(s, pikepdf.String)]


def _codes(data: bytes) -> list[int]:
    if len(data) % 2:
        raise UnknownDrawing("a string of one-byte codes in a Type 0 font")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def _drawings(op: str, used) -> list:
    """The content streams a resource used by ``op`` draws: a form, a tiling pattern, the
    group of a soft mask."""
    if op == "Do" and used.get("/Subtype") == "/Form":
        return [used]
    if op in ("scn", "SCN") and used.get("/PatternType") == 1:
        return [used]
    mask = used.get("/SMask") if op == "gs" else None
    if isinstance(mask, pikepdf.Dictionary) and "/G" in mask:
        return [mask.G]
    return []


def _type0(font, drawn: _Drawn):
    if not isinstance(font, pikepdf.Dictionary) or not font.is_indirect \
            or font.get("/Subtype") != "/Type0":
        raise UnknownDrawing(f"a {font.get('/Subtype')} font")
    drawn.fonts.setdefault(font.objgen, font)
    drawn.codes.setdefault(font.objgen, set())
    return font


def _unread_drawing(roots: Iterable, drawn: _Drawn) -> str | None:
    """Something reachable from ``roots`` that draws and was not read: a content stream, or a
    font that the content streams read do not show text with."""
    seen: set[tuple[int, int]] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Array):
            stack.extend(obj)
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            if obj.get("/Type") == "/Font":
                if obj.is_indirect and obj.objgen in drawn.fonts:
                    continue  # its glyphs are cut down below
                return f"a {obj.get('/Subtype')} font that the pages do not show text with"
            if isinstance(obj, pikepdf.Stream) and ("/Resources" in obj
                                                    or obj.get("/Subtype") == "/Form") \
                    and obj.objgen not in drawn.read:
                return "a drawing that is not read"
            stack.extend(obj.values())
    return None


# --- Cutting the fonts down --------------------------------------------------------------------

_HEX = re.compile(rb"<([0-9a-fA-F]*)>")


def _sections(data: bytes, name: bytes) -> list[bytes]:
    return re.findall(rb"begin" + name + rb"(.*?)end" + name, data, re.DOTALL)


def _read_to_unicode(data: bytes) -> dict[int, bytes]:
    """A ToUnicode CMap: each code's text, as UTF-16BE bytes."""
    found: dict[int, bytes] = {}
    for section in _sections(data, b"bfchar"):
        values = _HEX.findall(section)
        if len(values) % 2:
            raise UnknownDrawing("a ToUnicode map that cannot be read")
        for code, text in zip(values[::2], values[1::2], strict=True):
            found[int(code, 16)] = bytes.fromhex(text.decode())
    for section in _sections(data, b"bfrange"):
        for low, high, target in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])", section):
            low, high = int(low, 16), int(high, 16)
            if target.startswith(b"["):
                for offset, text in enumerate(_HEX.findall(target)[:high - low + 1]):
                    found[low + offset] = bytes.fromhex(text.decode())
            else:
                first = bytes.fromhex(target[1:-1].decode())
                start = int.from_bytes(first[-2:], "big") if first else 0
                for offset in range(high - low + 1):
                    found[low + offset] = first[:-2] + ((start + offset) & 0xFFFF).to_bytes(2, "big")
    return found


def _read_cid_cmap(data: bytes) -> dict[int, int]:
    """A CMap with two-byte codes: each code's CID."""
    spaces = [_HEX.findall(s) for s in _sections(data, b"codespacerange")]
    if [[v.lower() for v in s] for s in spaces] != [[b"0000", b"ffff"]]:
        raise UnknownDrawing("an encoding with codes other than two bytes")
    found: dict[int, int] = {}
    for section in _sections(data, b"cidchar"):
        for code, cid in re.findall(rb"<([0-9a-fA-F]+)>\s*(\d+)", section):
            found[int(code, 16)] = int(cid)
    for section in _sections(data, b"cidrange"):
        for low, high, cid in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\d+)",
                                         section):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                found[int(low, 16) + offset] = int(cid) + offset
    return found


def _cmap(name: bytes, registry: bytes, ordering: bytes, kind: bytes, entries: list[bytes]
          ) -> bytes:
    """A CMap of two-byte codes: a ToUnicode map (``bfchar`` entries) or an encoding
    (``cidchar``), in the form WeasyPrint writes them."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo << /Registry (" + registry + b") /Ordering (" + ordering
             + b") /Supplement 0 >> def", b"/CMapName /" + name + b" def",
             b"/CMapType " + (b"2" if kind == b"bfchar" else b"1") + b" def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    for start in range(0, len(entries), 100):
        block = entries[start:start + 100]
        lines += [b"%d begin%s" % (len(block), kind), *block, b"end" + kind]
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _read_widths(array: bytes) -> dict[int, float]:
    """A /W array (as PDF syntax): each CID's width."""
    found: dict[int, float] = {}
    tokens = re.findall(rb"[\[\]]|[-+]?[0-9]*\.?[0-9]+", array)
    if not tokens:
        return found
    if tokens[0] != b"[" or tokens[-1] != b"]":
        raise UnknownDrawing("a /W array that cannot be read")
    tokens, index = tokens[1:-1], 0
    try:
        while index < len(tokens):
            first = int(tokens[index])
            if tokens[index + 1] == b"[":
                end = tokens.index(b"]", index + 2)
                for offset, width in enumerate(tokens[index + 2:end]):
                    found[first + offset] = _number(width)
                index = end + 1
            else:
                for cid in range(first, int(tokens[index + 1]) + 1):
                    found[cid] = _number(tokens[index + 2])
                index += 3
    except (IndexError, ValueError) as exc:
        raise UnknownDrawing("a /W array that cannot be read") from exc
    return found


def _number(token: bytes) -> float:
    return float(token) if b"." in token else int(token)


def _widths_array(widths: dict[int, float]) -> pikepdf.Array:
    """A /W array: each run of consecutive CIDs as ``first [w1 w2 …]``."""
    runs: list[tuple[int, list]] = []
    for cid in sorted(widths):
        if not runs or cid - 1 not in widths:
            runs.append((cid, []))
        runs[-1][1].append(widths[cid])
    return pikepdf.Array([item for first, run in runs for item in (first, pikepdf.Array(run))])


def _compressed(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, zlib.compress(data))
    stream.Filter = pikepdf.Name.FlateDecode
    return pdf.make_indirect(stream)


@dataclass
class _Program:
    stream: pikepdf.Stream
    kind: str  # the CIDFont's subtype
    cids: set[int] = field(default_factory=set)
    fonts: list[tuple[pikepdf.Dictionary, dict[int, int]]] = field(default_factory=list)


def _cut_fonts(pdf: pikepdf.Pdf, drawn: _Drawn, read_before: dict
               ) -> dict[tuple[int, int], dict[int, int]]:
    """Cuts each font down to the codes drawn with it; each font's new code for each code."""
    programs: dict[tuple[int, int], _Program] = {}
    for key, font in drawn.fonts.items():
        codes = drawn.codes[key]
        encoding = font.get("/Encoding")
        if isinstance(encoding, pikepdf.Name) and str(encoding) == "/Identity-H":
            cid_of = {code: code for code in codes}
        elif isinstance(encoding, pikepdf.Stream) and encoding.get("/WMode", 0) == 0:
            table = _read_cid_cmap(encoding.read_bytes())
            if not codes <= table.keys():
                raise UnknownDrawing("a code its font's encoding does not have")
            cid_of = {code: table[code] for code in codes}
        else:
            raise UnknownDrawing(f"a Type 0 font encoded by {encoding}")
        descendant = font.DescendantFonts[0]
        kind = str(descendant.get("/Subtype"))
        descriptor = descendant.FontDescriptor
        if kind == "/CIDFontType2" and str(descendant.get("/CIDToGIDMap", "/Identity")) \
                == "/Identity" and "/FontFile2" in descriptor:
            program = descriptor.FontFile2
        elif kind == "/CIDFontType0" and "/FontFile3" in descriptor \
                and descriptor.FontFile3.get("/Subtype") == "/OpenType":
            program = descriptor.FontFile3
        else:
            raise UnknownDrawing(f"a {kind} font without a program read here")
        entry = programs.setdefault(program.objgen, _Program(program, kind))
        if entry.kind != kind:
            raise UnknownDrawing("a font program shared by CIDFonts of two kinds")
        entry.cids.update(cid_of.values())
        entry.fonts.append((font, cid_of))
    new_codes: dict[tuple[int, int], dict[int, int]] = {}
    for entry in programs.values():
        try:
            data, new, count = subset_program(
                _read_once(read_before, b"program", entry.stream.stream_dict.unparse()
                           + entry.stream.read_raw_bytes(), entry.stream.read_bytes), entry.cids)
            if entry.kind == "/CIDFontType0":
                data = cids_as_indexes_again(data, count)
        except UnreadableFont as exc:
            raise UnknownDrawing(str(exc)) from exc
        entry.stream.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)
        if entry.kind == "/CIDFontType2":
            entry.stream.Length1 = len(data)
        for font, cid_of in entry.fonts:
            new_codes[font.objgen] = _cut_font(pdf, font, cid_of, new, count, read_before)
    return new_codes


def _read_once(read_before: dict, kind: bytes, key: bytes, read):
    """What ``read()`` gives, read once for all the letters' files that copied the same object
    (a CJK font program is 800 KB, its ToUnicode map and widths those of the whole chunk)."""
    key = kind + hashlib.sha256(key).digest()
    found = read_before.get(key)
    if found is None:
        found = read_before[key] = read()
    return found


def _cut_font(pdf: pikepdf.Pdf, font: pikepdf.Dictionary, cid_of: dict[int, int],
              new: dict[int, int], count: int, read_before: dict) -> dict[int, int]:
    """The font's encoding, maps and widths, down to the codes drawn (``cid_of``: each code's
    CID, which ``new`` renumbers; the program has ``count`` glyphs now). Returns each code's new
    code: its glyph, as WeasyPrint writes them, except for characters the font does not have,
    which it draws with glyph 0 but gives codes of their own past the font's glyphs, for their
    text."""
    descendant = font.DescendantFonts[0]
    missing = sorted(code for code, cid in cid_of.items() if cid == 0)
    codes = {code: new[cid] for code, cid in cid_of.items() if cid != 0}
    codes.update({code: count + n for n, code in enumerate(missing)})
    if max(codes.values(), default=0) > 0xFFFF:
        raise UnknownDrawing("more characters than two-byte codes")
    if "/ToUnicode" in font:
        texts = _read_once(read_before, b"to-unicode", font.ToUnicode.read_raw_bytes(),
                           lambda: _read_to_unicode(font.ToUnicode.read_bytes()))
        font.ToUnicode = _compressed(pdf, _cmap(
            b"Adobe-Identity-UCS", b"Adobe", b"UCS", b"bfchar",
            [b"<%04x> <%s>" % (codes[code], texts[code].hex().encode())
             for code in sorted(codes, key=codes.get) if code in texts]))
    if missing:  # the codes past the glyphs are drawn with glyph 0
        system = descendant.get("/CIDSystemInfo", pikepdf.Dictionary())
        encoding = _compressed(pdf, _cmap(
            b"Letter-Glyphs", bytes(system.get("/Registry", b"Adobe")),
            bytes(system.get("/Ordering", b"Identity")), b"cidchar",
            [b"<%04x> %d" % (n, n if n < count else 0) for n in sorted(codes.values())]))
        encoding.Type = pikepdf.Name.CMap
        encoding.CMapName = pikepdf.Name("/Letter-Glyphs")
        encoding.CIDSystemInfo = pikepdf.Dictionary(
            Registry=system.get("/Registry", pikepdf.String("Adobe")),
            Ordering=system.get("/Ordering", pikepdf.String("Identity")),
            Supplement=system.get("/Supplement", 0))
        font.Encoding = encoding
    else:
        font.Encoding = pikepdf.Name("/Identity-H")
    array = descendant.W.unparse() if "/W" in descendant else b""
    widths = _read_once(read_before, b"widths", array, lambda: _read_widths(array))  # by CID
    kept = {(codes[code] if cid else 0): widths[cid] for code, cid in cid_of.items()
            if cid in widths}
    descendant.W = _widths_array(kept)
    descriptor = descendant.FontDescriptor
    if "/FontBBox" in descriptor:
        box = [float(x) for x in descriptor.FontBBox]
        box[2] = max((float(width) for width in kept.values()), default=0)
        descriptor.FontBBox = pikepdf.Array(box)
    if "/Flags" in descriptor:  # fixed pitch: every glyph drawn as wide
        fixed = len(kept) > 1 and len({float(width) for width in kept.values()}) == 1
        descriptor.Flags = (int(descriptor.Flags) & ~1) | int(fixed)
    if "/CIDSet" in descriptor:
        cids = {cid for cid in codes.values() if cid < count} | {0}
        bits = bytearray(max(cids) // 8 + 1)
        for cid in cids:
            bits[cid // 8] |= 0x80 >> (cid % 8)
        descriptor.CIDSet = _compressed(pdf, bytes(bits))
    return codes


def _renumber(drawn: _Drawn, new_codes: dict[tuple[int, int], dict[int, int]]) -> None:
    """Writes the content streams again with each font's new codes."""
    for stream, instructions, shown_by in drawn.texts:
        for index, font in shown_by:
            operands, operator = instructions[index]
            codes = new_codes[font]
            op = str(operator)

            def again(value, codes=codes):
                if not isinstance(value, pikepdf.String):
                    return value
                return pikepdf.String(b"".join(codes[c].to_bytes(2, "big")
                                               for c in _codes(bytes(value))))

            operands = list(operands)
            at = _SHOW_TEXT[op]
            operands[at] = pikepdf.Array([again(v) for v in operands[at]]) if op == "TJ" \
                else again(operands[at])
            instructions[index] = pikepdf.ContentStreamInstruction(operands, operator)
        stream.write(zlib.compress(pikepdf.unparse_content_stream(instructions)),
                     filter=pikepdf.Name.FlateDecode)


# --- The letter's file -------------------------------------------------------------------------

def keep_drawn_glyphs(pdf: pikepdf.Pdf, forms: Iterable[pikepdf.Stream],
                      read_before: dict | None = None) -> None:
    """Cuts the fonts of the given form XObjects of ``pdf`` down to the glyphs they
    draw, and drops the resources they do not use, in place. Fonts and drawings outside these
    forms are left as they are; those the forms use must not be used by anything else."""
    drawn = _Drawn()
    forms = list(forms)
    for form in forms:
        _read(form, None, drawn)
    roots = [form.get("/Resources") for form in forms]
    _keep_drawn(pdf, drawn, [r for r in roots if r is not None], read_before)


def _keep_drawn(pdf: pikepdf.Pdf, drawn: _Drawn, roots: list, read_before: dict | None) -> None:
    """Drops the resources the streams read into ``drawn`` do not use, then cuts their fonts
    down to the glyphs they draw, unless something reachable from ``roots`` draws and was not
    read."""
    for table, used in drawn.names.values():
        for name in [key for key in table if key not in used]:
            del table[name]
    unread = _unread_drawing(roots, drawn)
    if unread:
        raise UnknownDrawing(unread)
    _renumber(drawn, _cut_fonts(pdf, drawn, {} if read_before is None else read_before))


def compact_layer(data: bytes) -> bytes:
    """A PDF written by WeasyPrint (a shared layer of a mail merge) written again with each
    font cut down to the glyphs its pages draw, renumbered: a CJK font then weighs a few
    kilobytes instead of holding some 60,000 empty glyphs, in every letter's file that copies
    it. The whole document is read: anything that draws and is not read here (an annotation's
    appearance, a font of another kind) raises ``UnknownDrawing``."""
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        drawn = _Drawn()
        for page in pdf.pages:
            if not isinstance(page.obj.get("/Resources"), pikepdf.Dictionary):
                raise UnknownDrawing("a page without resources of its own")
            page.contents_coalesce()
            _read(page.obj.Contents, page.obj.Resources, drawn)
        _keep_drawn(pdf, drawn, [pdf.trailer], None)
        buffer = io.BytesIO()
        pdf.save(buffer)
        return buffer.getvalue()
