"""Nothing a signer types makes the renderer fetch a URL, read a file or attach anything."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from campaign.letters.merge import SignerDetails
from campaign.letters.pdf import AssetRefused, LetterURLFetcher
from tests.letters.conftest import pdf_text


@pytest.fixture
def loopback_server():
    """A real HTTP server on 127.0.0.1 that records every request it receives."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def _payloads(base: str) -> list[str]:
    return [
        f'<img src="{base}/img">',
        f'<link rel="stylesheet" href="{base}/link.css">',
        f"<style>@import url({base}/import.css);</style>",
        f'<p style="background: url({base}/css-url)">x</p>',
        f'<iframe src="{base}/iframe"></iframe>',
        f'<object data="{base}/object"></object>',
        f'<svg><image href="{base}/svg-image"/></svg>',
        f'<base href="{base}/base/">',
        '<a rel="attachment" href="file:///etc/hostname">attach</a>',
        "{{ 7*7 }} {% include '/etc/hostname' %}",
    ]


@pytest.fixture
def hostile_pdf(engine, demo, loopback_server):
    base, _seen = loopback_server
    payloads = _payloads(base)
    signer = SignerDetails(name=payloads[0] + " {{ 7*7 }}", country="GB", city=payloads[2],
                           postcode="<b>", message="\n\n".join(payloads))
    return engine.letter_pdf(demo, "emb-us", signer, locale="en", bilingual="ko"), payloads


def test_hostile_signer_text_makes_no_request(hostile_pdf, loopback_server):
    _base, seen = loopback_server
    assert seen == []


def test_hostile_signer_text_attaches_nothing(hostile_pdf):
    pdf, _ = hostile_pdf
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert b"/EmbeddedFile" not in pdf


def test_hostile_signer_text_is_printed_literally(hostile_pdf):
    pdf, payloads = hostile_pdf
    text = "".join(pdf_text(pdf).split())
    for payload in payloads:
        assert "".join(payload.split()) in text


def test_fetcher_refuses_http(tmp_path):
    with pytest.raises(AssetRefused):
        LetterURLFetcher([tmp_path]).fetch("http://127.0.0.1:9/x.png")


def test_fetcher_refuses_data_url(tmp_path):
    with pytest.raises(AssetRefused):
        LetterURLFetcher([tmp_path]).fetch("data:image/png;base64,iVBORw0KGgo=")


def test_fetcher_refuses_file_outside_roots(tmp_path):
    with pytest.raises(AssetRefused):
        LetterURLFetcher([tmp_path]).fetch("file:///etc/hostname")


def test_fetcher_refuses_symlink_escape(tmp_path):
    (tmp_path / "evil.css").symlink_to("/etc/hostname")
    with pytest.raises(AssetRefused):
        LetterURLFetcher([tmp_path]).fetch((tmp_path / "evil.css").as_uri())


def test_fetcher_refuses_dot_dot_escape(tmp_path):
    inside = tmp_path / "letters"
    inside.mkdir()
    (tmp_path / "secret.css").write_text("p {}")
    with pytest.raises(AssetRefused):
        LetterURLFetcher([inside]).fetch(inside.as_uri() + "/../secret.css")


def test_fetcher_refuses_other_file_types(tmp_path):
    (tmp_path / "notes.txt").write_text("secret")
    with pytest.raises(AssetRefused):
        LetterURLFetcher([tmp_path]).fetch((tmp_path / "notes.txt").as_uri())


def test_fetcher_serves_letter_stylesheet(tmp_path):
    css = tmp_path / "extra.css"
    css.write_text("p { color: black }")
    response = LetterURLFetcher([tmp_path]).fetch(css.as_uri())
    assert response.read() == b"p { color: black }"


def test_letter_template_image_outside_assets_is_not_fetched(engine, demo, demo_letters,
                                                             loopback_server):
    base, seen = loopback_server
    template = demo_letters / "demo" / "letters" / "embassy.html"
    template.write_text(template.read_text().replace(
        "{% block body %}", f'{{% block body %}}<img src="{base}/from-template">'))
    engine.letter_pdf(demo, "emb-us", SignerDetails("Ann", "GB"), locale="en")
    assert seen == []


def test_shipped_layout_has_no_external_reference():
    layout = Path(__file__).resolve().parents[2] / "letters" / "_layout"
    text = "".join(p.read_text() for p in layout.iterdir() if p.is_file())
    assert "http://" not in text and "https://" not in text


def test_template_cannot_reach_citation_registry(engine, demo, demo_letters):
    template = demo_letters / "demo" / "letters" / "embassy.html"
    template.write_text(template.read_text().replace(
        "{% block body %}", "{% block body %}{{ cite.retarget }}"))
    from campaign.letters.errors import LetterError

    with pytest.raises(LetterError):
        engine.letter_html(demo, "emb-us", SignerDetails("Ann", "GB"), locale="en")
