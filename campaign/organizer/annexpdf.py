"""Pages of fixed text lines drawn straight into a PDF with Pango and cairo (through cffi).

The annex is tens of thousands of identical lines: WeasyPrint's box layout and drawing cost about
1.5 ms of CPU per line whatever the markup, while Pango shapes a line (HarfBuzz, with fontconfig's
font fallback, bidi through FriBidi) and cairo writes it in about a tenth of that. cairo's PDF
surface embeds and subsets the fonts (TrueType and the CFF-flavoured Noto CJK collection) and
writes ToUnicode maps, so the text stays selectable and searchable.

Two settings matter for the text to come back out right: the resolution is 72 dpi, so that a
font size in points is a size in PDF units, and glyph positions are not rounded to whole units:
rounded positions leave gaps inside cursive Arabic words, which text extractors read as spaces.
"""

from __future__ import annotations

import cffi

from campaign.letters.fontprograms import dlopen_first

ffi = cffi.FFI()
ffi.cdef("""
typedef int gboolean;
typedef struct _cairo_surface cairo_surface_t;
typedef struct _cairo cairo_t;
typedef struct _PangoLayout PangoLayout;
typedef struct _PangoContext PangoContext;
typedef struct _PangoFontDescription PangoFontDescription;
typedef struct _PangoLanguage PangoLanguage;
typedef enum { PANGO_DIRECTION_LTR = 0, PANGO_DIRECTION_RTL = 1 } PangoDirection;
typedef enum { PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER, PANGO_ALIGN_RIGHT } PangoAlignment;
typedef enum { PANGO_ELLIPSIZE_NONE, PANGO_ELLIPSIZE_START, PANGO_ELLIPSIZE_MIDDLE,
               PANGO_ELLIPSIZE_END } PangoEllipsizeMode;

cairo_surface_t *cairo_pdf_surface_create (const char *filename, double width, double height);
int cairo_surface_status (cairo_surface_t *surface);
void cairo_surface_finish (cairo_surface_t *surface);
void cairo_surface_destroy (cairo_surface_t *surface);
cairo_t *cairo_create (cairo_surface_t *target);
void cairo_destroy (cairo_t *cr);
void cairo_show_page (cairo_t *cr);
void cairo_move_to (cairo_t *cr, double x, double y);
void cairo_set_source_rgb (cairo_t *cr, double red, double green, double blue);

PangoLayout *pango_cairo_create_layout (cairo_t *cr);
void pango_cairo_show_layout (cairo_t *cr, PangoLayout *layout);
void pango_cairo_context_set_resolution (PangoContext *context, double dpi);

PangoContext *pango_layout_get_context (PangoLayout *layout);
void pango_layout_context_changed (PangoLayout *layout);
void pango_layout_set_text (PangoLayout *layout, const char *text, int length);
void pango_layout_set_font_description (PangoLayout *layout, const PangoFontDescription *desc);
void pango_layout_set_auto_dir (PangoLayout *layout, gboolean auto_dir);
void pango_layout_set_width (PangoLayout *layout, int width);
void pango_layout_set_alignment (PangoLayout *layout, PangoAlignment alignment);
void pango_layout_set_ellipsize (PangoLayout *layout, PangoEllipsizeMode ellipsize);
int pango_layout_get_baseline (PangoLayout *layout);
void pango_layout_get_size (PangoLayout *layout, int *width, int *height);
void pango_context_set_language (PangoContext *context, PangoLanguage *language);
void pango_context_set_base_dir (PangoContext *context, PangoDirection direction);
void pango_context_set_round_glyph_positions (PangoContext *context, gboolean round_positions);
PangoFontDescription *pango_font_description_from_string (const char *str);
void pango_font_description_free (PangoFontDescription *desc);
PangoLanguage *pango_language_from_string (const char *language);

void g_object_unref (void *object);

/* Pango 1.50's public structures, as far as they are read here. */
typedef struct {
    void *item;
    void *glyphs;
    int y_offset;
    int start_x_offset;
    int end_x_offset;
} PangoGlyphItem;
typedef struct _GSListRuns { PangoGlyphItem *data; struct _GSListRuns *next; } GSListRuns;
typedef struct {
    PangoLayout *layout;
    int start_index;
    int length;
    GSListRuns *runs;
    unsigned int is_paragraph_start : 1;
    unsigned int resolved_dir : 3;
} PangoLayoutLine;
PangoLayoutLine *pango_layout_get_line_readonly (PangoLayout *layout, int line);
int pango_version (void);
""")


cairo = dlopen_first(ffi, "libcairo.so.2", "libcairo-2", "cairo")
pangocairo = dlopen_first(ffi, "libpangocairo-1.0.so.0", "libpangocairo-1.0-0", "pangocairo-1.0")
pango = dlopen_first(ffi, "libpango-1.0.so.0", "libpango-1.0-0", "pango-1.0")
gobject = dlopen_first(ffi, "libgobject-2.0.so.0", "libgobject-2.0-0", "gobject-2.0")

# PangoGlyphItem.y_offset exists from Pango 1.50 on; earlier versions never shift runs.
_RUN_OFFSETS = pango.pango_version() >= 15000

A4 = (595.276, 841.89)  # points


def _one_baseline(layout) -> None:
    # Pango 1.50 shifts runs of different fonts up or down (PangoGlyphItem.y_offset): in a line
    # holding Hangul or Han, Arabic rose by a third of the font size and Hangul sank a little.
    # One baseline for the whole line reads better, and is what WeasyPrint draws.
    index = 0
    while (line := pango.pango_layout_get_line_readonly(layout, index)) != ffi.NULL:
        run = line.runs
        while run != ffi.NULL:
            run.data.y_offset = 0
            run = run.next
        index += 1


class PdfPages:
    """A PDF file being written page by page; text is placed one line at a time at a given
    baseline, never wrapped (a line longer than ``width`` ends in an ellipsis)."""

    def __init__(self, path: str, *, lang: str, rtl: bool, size: tuple[float, float] = A4):
        self.width, self.height = size
        self.rtl = rtl
        self._surface = cairo.cairo_pdf_surface_create(path.encode(), self.width, self.height)
        self._cr = cairo.cairo_create(self._surface)
        self._layout = self._new_layout(lang)
        pango.pango_layout_set_ellipsize(self._layout, pango.PANGO_ELLIPSIZE_END)
        self._fonts: dict[str, object] = {}
        self._font: str | None = None
        self._box: tuple[float, float] | None = None
        # Measures text without a width, so without an ellipsis (``width_of``).
        self._ruler = self._new_layout(lang)
        self._ruler_font: str | None = None
        self._size = ffi.new("int[2]")

    def _new_layout(self, lang: str):
        layout = pangocairo.pango_cairo_create_layout(self._cr)  # with a context of its own
        context = pango.pango_layout_get_context(layout)
        pangocairo.pango_cairo_context_set_resolution(context, 72.0)
        pango.pango_context_set_round_glyph_positions(context, False)
        # The language picks the Han glyph forms (Korean, Japanese, Simplified Chinese) of the
        # CJK font; the base direction applies to every line, whatever script it starts with.
        pango.pango_context_set_language(context, pango.pango_language_from_string(lang.encode()))
        pango.pango_context_set_base_dir(
            context, pango.PANGO_DIRECTION_RTL if self.rtl else pango.PANGO_DIRECTION_LTR)
        pango.pango_layout_set_auto_dir(layout, False)
        pango.pango_layout_context_changed(layout)
        return layout

    def _description(self, font: str):
        description = self._fonts.get(font)
        if description is None:
            description = self._fonts[font] = pango.pango_font_description_from_string(
                font.encode())
        return description

    def width_of(self, text: str, font: str) -> float:
        """The width in points of ``text`` on one line in ``font``, as ``text`` would draw it."""
        if font != self._ruler_font:
            pango.pango_layout_set_font_description(self._ruler, self._description(font))
            self._ruler_font = font
        data = text.encode()
        pango.pango_layout_set_text(self._ruler, data, len(data))
        pango.pango_layout_get_size(self._ruler, self._size, self._size + 1)
        return self._size[0] / 1024

    def text(self, text: str, *, x: float, baseline: float, width: float, font: str,
             align: str = "start", gray: float = 0.0) -> None:
        """Draws ``text`` in ``font`` (a Pango description: "Noto Sans, Noto Sans CJK KR 8.4")
        in the box from ``x`` to ``x + width``; "start" is the right edge when right-to-left."""
        layout = self._layout
        if font != self._font:
            pango.pango_layout_set_font_description(layout, self._description(font))
            self._font = font
        if self._box != (width, align):
            pango.pango_layout_set_width(layout, int(width * 1024))
            # Pango mirrors the alignment only for lines whose direction it guessed (auto_dir),
            # so "start" is spelled out.
            alignment = pango.PANGO_ALIGN_CENTER if align == "center" else (
                pango.PANGO_ALIGN_RIGHT if self.rtl else pango.PANGO_ALIGN_LEFT)
            pango.pango_layout_set_alignment(layout, alignment)
            self._box = (width, align)
        data = text.encode()
        pango.pango_layout_set_text(layout, data, len(data))
        cairo.cairo_set_source_rgb(self._cr, gray, gray, gray)
        if _RUN_OFFSETS:
            _one_baseline(layout)
        cairo.cairo_move_to(self._cr, x, baseline - pango.pango_layout_get_baseline(layout) / 1024)
        pangocairo.pango_cairo_show_layout(self._cr, layout)

    def next_page(self) -> None:
        cairo.cairo_show_page(self._cr)

    def close(self) -> None:
        """Finishes the file (fonts are subset and written here)."""
        if self._surface is None:
            return
        gobject.g_object_unref(self._layout)
        gobject.g_object_unref(self._ruler)
        for description in self._fonts.values():
            pango.pango_font_description_free(description)
        cairo.cairo_destroy(self._cr)
        cairo.cairo_surface_finish(self._surface)
        status = cairo.cairo_surface_status(self._surface)
        cairo.cairo_surface_destroy(self._surface)
        self._surface = None
        if status:
            raise OSError(f"cairo could not write the PDF (cairo status {status})")

    def __enter__(self) -> PdfPages:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
