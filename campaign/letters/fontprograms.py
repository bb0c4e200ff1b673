"""Font programs cut down to some of their glyphs, with HarfBuzz's subsetter.

WeasyPrint subsets a font keeping every glyph's index, then drops the glyphs past the last one
used: a CJK font, whose glyphs used have indexes up to 65,000, is then subset twice over tens of
thousands of glyphs (40-80 ms a font) and keeps every empty glyph below the last one used
(400-800 KB). ``subset_program`` keeps only the glyphs asked for, renumbered, in one pass (a
few milliseconds and kilobytes), and says which glyph became which; the PDF that embeds such a
program maps the codes its text is drawn with to the new glyphs (pdf.py: WeasyPrint's own
writes; glyphs.py: a letter cut from a batch).

libharfbuzz-subset is reached through cffi; nothing here needs qpdf, so printing one letter
does not load it.
"""

from __future__ import annotations

import array
import sys
from collections.abc import Iterable

import cffi


class UnreadableFont(Exception):
    """A font program, or a part of one, that is not cut down here."""


_ffi = cffi.FFI()
_ffi.cdef("""
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_map_t hb_map_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef struct hb_subset_plan_t hb_subset_plan_t;
typedef uint32_t hb_codepoint_t;
typedef enum { HB_MEMORY_MODE_DUPLICATE, HB_MEMORY_MODE_READONLY, HB_MEMORY_MODE_WRITABLE,
               HB_MEMORY_MODE_READONLY_MAY_MAKE_WRITABLE } hb_memory_mode_t;

hb_blob_t *hb_blob_create_or_fail (const char *data, unsigned int length, hb_memory_mode_t mode,
                                   void *user_data, void *destroy);
void hb_blob_destroy (hb_blob_t *blob);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
unsigned int hb_face_get_glyph_count (const hb_face_t *face);
void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
hb_set_t *hb_subset_input_set (hb_subset_input_t *input, unsigned int set_type);
hb_codepoint_t hb_map_get (const hb_map_t *map, hb_codepoint_t key);

hb_subset_input_t *hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned value);
hb_subset_plan_t *hb_subset_plan_create_or_fail (hb_face_t *face, const hb_subset_input_t *input);
void hb_subset_plan_destroy (hb_subset_plan_t *plan);
hb_face_t *hb_subset_plan_execute_or_fail (hb_subset_plan_t *plan);
const hb_map_t *hb_subset_plan_old_to_new_glyph_mapping (const hb_subset_plan_t *plan);
""")

_NO_HINTING = 0x1
_DESUBROUTINIZE = 0x4
_PASSTHROUGH_UNRECOGNIZED = 0x20
_NOTDEF_OUTLINE = 0x40
_MAP_INVALID = 0xFFFFFFFF
_SETS_DROP_TABLE_TAG = 3
# Besides HarfBuzz's own list: what WeasyPrint leaves out of the fonts it embeds (layout and
# bitmap tables, signatures), which no PDF reader uses.
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                   b"LTSH", b"PCLT", b"SVG ")


_LIBRARIES: list = []


def _harfbuzz():
    if not _LIBRARIES:
        try:
            _LIBRARIES.extend((
                dlopen_first(_ffi, "libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0",
                             "harfbuzz"),
                dlopen_first(_ffi, "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib",
                             "libharfbuzz-subset-0", "harfbuzz-subset")))
            # The subset plan and its glyph mapping are public from HarfBuzz 4.0 on.
            _LIBRARIES[1].hb_subset_plan_old_to_new_glyph_mapping  # noqa: B018
        except (OSError, AttributeError) as exc:
            _LIBRARIES.clear()
            raise UnreadableFont("no libharfbuzz-subset, or one too old") from exc
    return _LIBRARIES


def dlopen_first(ffi, *names: str):
    """The first of ``names`` that ``ffi`` can open (a library is named differently on Linux,
    macOS and Windows); the last one's error if none."""
    for name in names[:-1]:
        try:
            return ffi.dlopen(name)
        except OSError:
            continue
    return ffi.dlopen(names[-1])


def subset_program(program: bytes, glyphs: Iterable[int], *, index: int = 0,
                   hinting: bool = True) -> tuple[bytes, dict[int, int], int]:
    """The font program (face ``index`` of a collection) cut down to ``glyphs`` (and glyph 0,
    and the glyphs they are made of), each given glyph's new index, and the number of glyphs
    left. The tables a PDF reader has no use for are left out, and the hinting too unless
    ``hinting``."""
    hb, hb_subset = _harfbuzz()
    glyphs = sorted(set(glyphs) | {0})
    buffer = _ffi.from_buffer(program)
    blob = hb.hb_blob_create_or_fail(buffer, len(program), hb.HB_MEMORY_MODE_READONLY,
                                     _ffi.NULL, _ffi.NULL)
    if blob == _ffi.NULL:
        raise UnreadableFont("a font program HarfBuzz cannot read")
    face = hb.hb_face_create(blob, index)
    request = hb_subset.hb_subset_input_create_or_fail()
    plan = result = output = _ffi.NULL
    try:
        if request == _ffi.NULL:
            raise UnreadableFont("HarfBuzz could not subset a font")
        wanted = hb_subset.hb_subset_input_glyph_set(request)
        for glyph in glyphs:
            hb.hb_set_add(wanted, glyph)
        hb_subset.hb_subset_input_set_flags(
            request, _PASSTHROUGH_UNRECOGNIZED | _DESUBROUTINIZE | _NOTDEF_OUTLINE
            | (0 if hinting else _NO_HINTING))
        dropped = hb_subset.hb_subset_input_set(request, _SETS_DROP_TABLE_TAG)
        for tag in _DROPPED_TABLES:
            hb.hb_set_add(dropped, int.from_bytes(tag, "big"))
        plan = hb_subset.hb_subset_plan_create_or_fail(face, request)
        result = _ffi.NULL if plan == _ffi.NULL else \
            hb_subset.hb_subset_plan_execute_or_fail(plan)
        if result == _ffi.NULL:
            raise UnreadableFont("HarfBuzz could not subset a font")
        mapping = hb_subset.hb_subset_plan_old_to_new_glyph_mapping(plan)
        new = {glyph: hb.hb_map_get(mapping, glyph) for glyph in glyphs}
        if _MAP_INVALID in new.values():
            raise UnreadableFont("a glyph the page draws is not in its font")
        output = hb.hb_face_reference_blob(result)
        length = _ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(output, length)
        return bytes(_ffi.buffer(data, length[0])), new, hb.hb_face_get_glyph_count(result)
    finally:
        for destroy, pointer in ((hb.hb_blob_destroy, output), (hb.hb_face_destroy, result),
                                 (hb_subset.hb_subset_plan_destroy, plan),
                                 (hb_subset.hb_subset_input_destroy, request),
                                 (hb.hb_face_destroy, face), (hb.hb_blob_destroy, blob)):
            if pointer != _ffi.NULL:
                destroy(pointer)


def cids_as_indexes(program: bytes) -> bytes:
    """An OpenType CFF program whose glyphs' CIDs (if it is CID-keyed) are their indexes. The
    program cut down keeps each glyph's CID from the full font, and PDF readers differ on
    whether they look a CID up in the CFF charset or take it for the glyph index (poppler
    does); with CID = glyph index both read the same glyph. The charset is written over in
    place, as format 0 or as ranges, which never takes more room than the one it replaces; the
    table's checksum and the font's are set again."""
    font = bytearray(program)
    start, length = _sfnt_table(font, b"CFF ")
    cff = memoryview(font)[start:start + length]
    try:
        position = _cff_index(cff, cff[2])[0]  # past the header and the Name INDEX
        _end, tops = _cff_index(cff, position)
        top = _cff_dict(cff[tops[0][0]:tops[0][1]])
        if (12, 30) not in top:
            return program  # not CID-keyed: a CID is the glyph index already
        charset = int(top[15][0])
        glyphs = int.from_bytes(cff[int(top[17][0]):int(top[17][0]) + 2], "big")
        kind = cff[charset]
        if kind == 0:
            cff[charset + 1:charset + 2 * glyphs - 1] = b"".join(
                n.to_bytes(2, "big") for n in range(1, glyphs))
        elif kind in (1, 2):
            step = 256 if kind == 1 else 65536
            ranges = b"".join(first.to_bytes(2, "big") + (min(step, glyphs - first) - 1)
                              .to_bytes(kind, "big") for first in range(1, glyphs, step))
            if len(ranges) > _charset_length(cff, charset, glyphs) - 1:
                raise UnreadableFont("a CFF charset with no room for its glyphs' indexes")
            cff[charset + 1:charset + 1 + len(ranges)] = ranges
        else:
            raise UnreadableFont(f"a CFF charset of format {kind}")
    except (IndexError, KeyError, ValueError) as exc:
        raise UnreadableFont(f"a CFF program that cannot be read ({exc})") from exc
    del cff
    _set_checksums(font, b"CFF ")
    return bytes(font)


def cids_as_indexes_again(program: bytes, glyphs: int) -> bytes:
    """``cids_as_indexes``, written again by HarfBuzz if the CIDs changed: a charset written
    over in place keeps the room the old CIDs took, so the bytes of a program cut down from
    another one would tell how that one numbered its glyphs. Written again, they depend on the
    glyphs kept only."""
    rewritten = cids_as_indexes(program)
    if rewritten == program:
        return program
    again, _new, _count = subset_program(rewritten, range(glyphs))
    return cids_as_indexes(again)


def _sfnt_table(font: bytes | bytearray, tag: bytes) -> tuple[int, int]:
    """(offset, length) of a table of an OpenType font."""
    for record in range(12, 12 + 16 * int.from_bytes(font[4:6], "big"), 16):
        if font[record:record + 4] == tag:
            return (int.from_bytes(font[record + 8:record + 12], "big"),
                    int.from_bytes(font[record + 12:record + 16], "big"))
    raise UnreadableFont(f"an OpenType font without a {tag.decode().strip()!r} table")


def _set_checksums(font: bytearray, tag: bytes) -> None:
    """The checksum of table ``tag`` and the font's (head.checkSumAdjustment)."""
    def checksum(data) -> int:
        words = array.array("L" if array.array("L").itemsize == 4 else "I",
                            bytes(data) + b"\0" * (-len(data) % 4))
        if sys.byteorder == "little":
            words.byteswap()
        return sum(words) & 0xFFFFFFFF

    head = _sfnt_table(font, b"head")[0]
    font[head + 8:head + 12] = bytes(4)
    for record in range(12, 12 + 16 * int.from_bytes(font[4:6], "big"), 16):
        if font[record:record + 4] in (tag, b"head"):
            offset, length = _sfnt_table(font, bytes(font[record:record + 4]))
            font[record + 4:record + 8] = checksum(font[offset:offset + length]).to_bytes(4, "big")
    font[head + 8:head + 12] = ((0xB1B0AFBA - checksum(font)) & 0xFFFFFFFF).to_bytes(4, "big")


def _cff_index(cff, position: int) -> tuple[int, list[tuple[int, int]]]:
    """Where a CFF INDEX ends, and where each of its items starts and ends."""
    count = int.from_bytes(cff[position:position + 2], "big")
    if count == 0:
        return position + 2, []
    size = cff[position + 2]
    offsets = [int.from_bytes(cff[position + 3 + i * size:position + 3 + (i + 1) * size], "big")
               for i in range(count + 1)]
    data = position + 2 + (count + 1) * size
    return data + offsets[-1], [(data + a, data + b) for a, b in zip(offsets, offsets[1:],
                                                                     strict=False)]


def _cff_dict(data) -> dict[int | tuple[int, int], list[float]]:
    """A CFF DICT: each operator's operands."""
    found: dict[int | tuple[int, int], list[float]] = {}
    operands: list[float] = []
    position = 0
    while position < len(data):
        b0 = data[position]
        if b0 <= 21:
            operator = (12, data[position + 1]) if b0 == 12 else b0
            position += 2 if b0 == 12 else 1
            found[operator], operands = operands, []
        elif b0 == 28:
            operands.append(int.from_bytes(data[position + 1:position + 3], "big", signed=True))
            position += 3
        elif b0 == 29:
            operands.append(int.from_bytes(data[position + 1:position + 5], "big", signed=True))
            position += 5
        elif b0 == 30:  # a real number, in nibbles up to 0xf (never an offset: skipped)
            position += 1
            while data[position] & 0x0F != 0x0F and data[position] >> 4 != 0x0F:
                position += 1
            position += 1
            operands.append(0.0)
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            position += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + data[position + 1] + 108)
            position += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[position + 1] - 108)
            position += 2
        else:
            raise ValueError(f"a DICT byte {b0}")
    return found


def _charset_length(cff, position: int, glyphs: int) -> int:
    """The length of the charset of ``glyphs`` glyphs at ``position``, format byte included."""
    kind = cff[position]
    if kind == 0:
        return 1 + 2 * (glyphs - 1)
    size = 1 if kind == 1 else 2
    covered, end = 1, position + 1
    while covered < glyphs:
        covered += int.from_bytes(cff[end + 2:end + 2 + size], "big") + 1
        end += 2 + size
    return end - position
