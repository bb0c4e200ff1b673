"""Which characters a letter can print: those that some installed font draws.

For a character the letter's fonts lack, WeasyPrint (through Pango) falls back to any font
fontconfig knows that has it; a character that no installed font has prints as an empty box.
The sign form, the paper import and the mail merge refuse such characters in a signer's details,
naming them, rather than print a box in a letter to an ambassador. The union of the character
sets of every font fontconfig lists is read once per process (fontconfig's own cache makes that
quick) and kept.
"""

from __future__ import annotations

import threading
import unicodedata

import cffi

from campaign.letters.fontprograms import dlopen_first

ffi = cffi.FFI()
ffi.cdef("""
typedef int FcBool;
typedef unsigned int FcChar32;
typedef struct _FcPattern FcPattern;
typedef struct _FcCharSet FcCharSet;
typedef struct _FcObjectSet FcObjectSet;
typedef struct _FcConfig FcConfig;
typedef struct { int nfont; int sfont; FcPattern **fonts; } FcFontSet;
typedef enum { FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId,
               FcResultOutOfMemory } FcResult;

FcBool FcInit (void);
FcPattern *FcPatternCreate (void);
void FcPatternDestroy (FcPattern *p);
FcObjectSet *FcObjectSetCreate (void);
FcBool FcObjectSetAdd (FcObjectSet *os, const char *object);
void FcObjectSetDestroy (FcObjectSet *os);
FcFontSet *FcFontList (FcConfig *config, FcPattern *p, FcObjectSet *os);
void FcFontSetDestroy (FcFontSet *s);
FcResult FcPatternGetCharSet (const FcPattern *p, const char *object, int n, FcCharSet **c);
FcCharSet *FcCharSetCreate (void);
FcCharSet *FcCharSetUnion (const FcCharSet *a, const FcCharSet *b);
void FcCharSetDestroy (FcCharSet *fcs);
FcBool FcCharSetHasChar (const FcCharSet *fcs, FcChar32 ucs4);
""")

_lock = threading.Lock()
_fontconfig = None
_covered = None  # FcCharSet *: every character of every installed font


def _installed_characters():
    global _fontconfig, _covered
    with _lock:
        if _covered is None:
            fc = dlopen_first(ffi, "libfontconfig.so.1", "libfontconfig-1", "fontconfig-1")
            fc.FcInit()
            pattern, objects = fc.FcPatternCreate(), fc.FcObjectSetCreate()
            fc.FcObjectSetAdd(objects, b"charset")
            fonts = fc.FcFontList(ffi.NULL, pattern, objects)
            covered = fc.FcCharSetCreate()
            found = ffi.new("FcCharSet **")
            try:
                for index in range(fonts.nfont if fonts != ffi.NULL else 0):
                    if fc.FcPatternGetCharSet(fonts.fonts[index], b"charset", 0, found) \
                            == fc.FcResultMatch:
                        union = fc.FcCharSetUnion(covered, found[0])
                        fc.FcCharSetDestroy(covered)
                        covered = union
            finally:
                if fonts != ffi.NULL:
                    fc.FcFontSetDestroy(fonts)
                fc.FcObjectSetDestroy(objects)
                fc.FcPatternDestroy(pattern)
            _fontconfig, _covered = fc, covered
    return _fontconfig, _covered


def _drawn(char: str) -> bool:
    """Whether ``char`` is something a font must draw: not a space, a line break, a control or
    format character (a zero-width joiner), nor a variation selector (they choose a glyph, and
    fonts do not list them)."""
    if char.isspace():
        return False
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return False
    return unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def unprintable(text: str) -> str:
    """The characters of ``text`` that no installed font has, each once, in order ("" when the
    letter can print all of it). Asked of fontconfig each time (a lookup in a table, in C): a
    cache of the answers would grow with every character anyone sends."""
    fc, covered = _installed_characters()
    return "".join(char for char in dict.fromkeys(text)
                   if _drawn(char) and not fc.FcCharSetHasChar(covered, ord(char)))
