"""The chunks of a mail merge are joined into one PDF (campaign/letters/joiner.py), each part's
objects written out renumbered."""

from __future__ import annotations

import io

import pikepdf

from campaign.letters.joiner import PdfJoiner


def part(label: str) -> bytes:
    """A one-page PDF whose page has a note (a string that reads like a reference) and a link to
    a dictionary of its own."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    target = pdf.make_indirect(pikepdf.Dictionary(Label=pikepdf.String(label)))
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
                           Rect=[0, 0, 10, 10], Contents=pikepdf.String("see 1 0 R"),
                           Target=target))]))
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def joined(*parts: bytes) -> pikepdf.Pdf:
    out = io.BytesIO()
    joiner = PdfJoiner(out)
    for pdf in parts:
        joiner.add(pdf)
    joiner.finish()
    return pikepdf.Pdf.open(io.BytesIO(out.getvalue()))


def test_joined_pdf_has_every_part_page_in_order():
    with joined(part("first"), part("second")) as pdf:
        assert [str(p.Annots[0].Target.Label) for p in pdf.pages] == ["first", "second"]


def test_joined_pages_belong_to_the_joined_page_tree():
    with joined(part("first"), part("second")) as pdf:
        assert all(p.obj.Parent.objgen == pdf.Root.Pages.objgen for p in pdf.pages)


def test_joined_string_that_reads_like_a_reference_is_kept():
    with joined(part("first"), part("second")) as pdf:
        assert [str(p.Annots[0].Contents) for p in pdf.pages] == ["see 1 0 R"] * 2
