"""Use-cases of the letters area, inside a Flask app context: thin wrappers around the
``LetterEngine`` configured from ``LETTERS_DIR``, ``STATIC_DIR`` and ``LOCALES_DIR``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from flask import current_app

from campaign.content.model import Campaign
from campaign.letters.engine import LETTER_FILE, LetterEngine
from campaign.letters.merge import SignerDetails
from campaign.storage.files import FolderUpdate, replace_files

__all__ = [
    "SignerDetails",
    "engine",
    "render_batch_files",
    "write_batch_pdf",
    "render_cover_letter_parts",
    "render_letter_html",
    "render_letter_pdf",
    "untranslated_strings",
]

_EXTENSION_KEY = "campaign.letters.engine"


def engine() -> LetterEngine:
    """The app's engine, created on first use and kept (it caches CSS, fonts and catalogues)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_EXTENSION_KEY)
    if found is None:
        found = LetterEngine(Path(app.config["LETTERS_DIR"]), Path(app.config["STATIC_DIR"]),
                             Path(app.config["LOCALES_DIR"]),
                             processes=app.config.get("LETTERS_PROCESSES"))
        app.extensions[_EXTENSION_KEY] = found
    return found


def render_letter_pdf(campaign: Campaign, recipient_id: str, signer: SignerDetails, *,
                      locale: str | None = None, bilingual: str | None = None,
                      pdf_variant: str | None = None) -> bytes:
    return engine().letter_pdf(campaign, recipient_id, signer, locale=locale,
                               bilingual=bilingual, pdf_variant=pdf_variant)


def render_letter_html(campaign: Campaign, recipient_id: str, signer: SignerDetails, *,
                       locale: str | None = None, bilingual: str | None = None) -> str:
    return engine().letter_html(campaign, recipient_id, signer, locale=locale,
                                bilingual=bilingual)


def render_cover_letter_parts(campaign: Campaign, recipient_id: str, *,
                              locale: str | None = None, signature_count: int
                              ) -> tuple[str, str]:
    """The cover letter and its sources annex as two documents (see
    ``LetterEngine.cover_letter_parts``); style both with ``engine().css_path``."""
    return engine().cover_letter_parts(campaign, recipient_id, locale=locale,
                                       signature_count=signature_count)


def write_batch_pdf(campaign: Campaign, recipient_id: str, signers: Iterable[SignerDetails],
                    target: Path, *, locale: str | None = None, bilingual: str | None = None,
                    progress: Callable[[int], None] | None = None) -> Path:
    return engine().write_batch_pdf(campaign, recipient_id, signers, target, locale=locale,
                                    bilingual=bilingual, progress=progress)


def render_batch_files(campaign: Campaign, recipient_id: str, signers: Iterable[SignerDetails],
                       out_dir: Path, *, locale: str | None = None,
                       bilingual: str | None = None,
                       progress: Callable[[int], None] | None = None) -> FolderUpdate:
    """One PDF per signer in ``out_dir`` (``letter-00001.pdf`` …). Once every letter is
    rendered, ``out_dir`` holds this batch's letters and no other ``letter-NNNNN.pdf`` (an
    earlier, larger batch's are removed; other files stay); a batch that fails or is stopped
    leaves ``out_dir`` as it was."""
    return replace_files(
        out_dir, lambda name: LETTER_FILE.fullmatch(name) is not None,
        lambda staging: engine().batch_files(campaign, recipient_id, signers, staging,
                                             locale=locale, bilingual=bilingual,
                                             progress=progress))


def untranslated_strings(campaign: Campaign, recipient_id_or_letter_id: str,
                         locale: str) -> list[str]:
    return engine().untranslated_strings(campaign, recipient_id_or_letter_id, locale)
