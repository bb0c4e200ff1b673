"""The letters engine without Flask: the CLI, the web views, background jobs and the benchmark all
render through one ``LetterEngine``.

A batch (mail merge) is rendered as chunks of letters, each chunk ONE WeasyPrint document, so
the stylesheet, the fonts and their subsets are handled once per chunk instead of once per letter;
chunks are joined with pypdf, which keeps memory flat, and rendered by two processes when the
machine has two cores.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from gettext import GNUTranslations
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from campaign.content.model import Campaign, LetterSpec, Recipient
from campaign.content.templates import LAYOUT_FOLDER, make_sandbox
from campaign.letters import merge, terms
from campaign.letters.citations import Citations, group_citations
from campaign.letters.errors import (
    LetterError,
    NoLetterForRecipient,
    UnknownRecipient,
    UnsupportedLanguage,
)
from campaign.letters.merge import SignerDetails
from campaign.storage.files import write_atomically

# WeasyPrint reports every step at INFO, some at import time; the app logs INFO, and a batch
# would flood it. Set before campaign.letters.pdf imports WeasyPrint.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

COURTESY_MARKER = "<!--courtesy-->"  # signer text can never produce it: "<" is escaped
# Chinese and Japanese put no space between sentences; the template's line breaks must not
# become one.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uff00-\uffef"
_CJK_LINE_BREAK = re.compile(rf"(?<=[{_CJK}>])[ \t]*\n\s*(?=[{_CJK}])")
CHUNK_SIZE = 100


@dataclass(frozen=True)
class LetterPlan:
    """What to render: the letter, its recipient and language(s), resolved and checked."""

    campaign: Campaign
    recipient: Recipient
    letter: LetterSpec
    locale: str
    bilingual: str | None


class LetterEngine:
    """Renders letters of any campaign under ``letters_dir`` to HTML and PDF."""

    def __init__(self, letters_dir: Path, static_dir: Path, locales_dir: Path, *,
                 processes: int | None = None):
        self.letters_dir = Path(letters_dir)
        self.static_dir = Path(static_dir)
        self.locales_dir = Path(locales_dir)
        self.layout_dir = self.letters_dir / LAYOUT_FOLDER
        self.processes = processes if processes is not None else min(2, os.cpu_count() or 1)
        self._envs: dict[tuple[str, str], tuple[float, SandboxedEnvironment, Translations]] = {}
        self._lock = threading.Lock()
        self._pdf = None

    # --- Paths other areas reuse (delivery packets) -----------------------------------------
    @property
    def css_path(self) -> Path:
        """The letter stylesheet: print layout, font stacks, notes."""
        return self.layout_dir / "letter.css"

    def pdf_renderer(self):
        from campaign.letters.pdf import PdfRenderer  # WeasyPrint is only loaded to print

        if self._pdf is None:
            self._pdf = PdfRenderer(self.css_path, [self.letters_dir, self.static_dir],
                                    self.layout_dir)
        return self._pdf

    # --- Planning -----------------------------------------------------------------------------
    def plan(self, campaign: Campaign, recipient_id: str, locale: str | None = None,
             bilingual: str | None = None) -> LetterPlan:
        recipient = campaign.recipients.get(recipient_id)
        if recipient is None:
            raise UnknownRecipient(f"campaign '{campaign.slug}' has no recipient '{recipient_id}'")
        letter = campaign.letter_for(recipient_id)
        if letter is None:
            raise NoLetterForRecipient(f"no letter of campaign '{campaign.slug}' is addressed to "
                                       f"'{recipient_id}'")
        language = self._campaign_language(campaign, locale or recipient.locale, "--locale")
        second = self._campaign_language(campaign, bilingual, "--bilingual") if bilingual else None
        if second == language:
            second = None
        return LetterPlan(campaign, recipient, letter, language, second)

    @staticmethod
    def _campaign_language(campaign: Campaign, locale: str, option: str) -> str:
        wanted = locale.replace("-", "_")
        for language in campaign.languages:
            if language.replace("-", "_").lower() == wanted.lower():
                return language.replace("-", "_")
        raise UnsupportedLanguage(f"{option}: '{locale}' is not a language of campaign "
                                  f"'{campaign.slug}' ({', '.join(campaign.languages)})")

    # --- Translations and templates -----------------------------------------------------------
    def translations(self, locale: str) -> Translations:
        return self._environment(self.letters_dir, locale)[1]

    def _mo_mtime(self, locale: str) -> float:
        mo = self.locales_dir / locale / "LC_MESSAGES" / "messages.mo"
        try:
            return mo.stat().st_mtime
        except OSError:
            return 0.0

    def _environment(self, campaign_dir: Path, locale: str
                     ) -> tuple[SandboxedEnvironment, Translations]:
        """One sandbox per campaign and language, with that language's catalogue installed;
        rebuilt when the catalogue changes. Per language, so concurrent renders in different
        languages never share gettext functions."""
        key = (str(campaign_dir), locale)
        mtime = self._mo_mtime(locale)
        with self._lock:
            cached = self._envs.get(key)
            if cached is None or cached[0] != mtime:
                translations = Translations.load(str(self.locales_dir), [locale],
                                                 domain="messages")
                env = make_sandbox(campaign_dir)
                # HTML ignores the extra whitespace, but trim_blocks would glue sentences
                # together ("Korea.China") where a {% endtrans %} ends a line.
                env.trim_blocks = False
                env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
                cached = (mtime, env, translations)
                self._envs[key] = cached
            return cached[1], cached[2]

    # --- HTML ---------------------------------------------------------------------------------
    def article_html(self, plan: LetterPlan, signer: SignerDetails | None, *, index: int = 0,
                     today: dt.date | None = None, signature_count: int = 0) -> str:
        """One letter as an <article> (with its courtesy translation if bilingual)."""
        if signer is not None:
            signer = merge.validate_signer(signer)
        env, translations = self._environment(plan.campaign.directory, plan.locale)
        citations = Citations(plan.campaign.sources, plan.locale, translations.gettext)
        mode = "letter" if signer is not None else "cover"
        html = self._render(env, plan, translations, signer, citations, mode=mode, index=index,
                            today=today, signature_count=signature_count)
        if plan.bilingual:
            env2, translations2 = self._environment(plan.campaign.directory, plan.bilingual)
            citations.retarget(plan.bilingual, translations2.gettext)
            courtesy = self._render(env2, plan, translations2, signer, citations,
                                    mode="courtesy", index=index, today=today,
                                    authoritative=plan.locale, signature_count=signature_count)
            html = html.replace(COURTESY_MARKER, courtesy, 1)
        return html

    def _render(self, env: SandboxedEnvironment, plan: LetterPlan, translations: Translations,
                signer: SignerDetails | None, citations: Citations, *, mode: str, index: int,
                today: dt.date | None, authoritative: str = "", signature_count: int = 0) -> str:
        language = plan.bilingual if mode == "courtesy" else plan.locale
        context = merge.letter_context(
            campaign=plan.campaign, recipient=plan.recipient, signer=signer,
            language=language or plan.locale, gettext=translations.gettext,
            pgettext=translations.pgettext, cite=_template_cite(citations),
            cited=citations.cited, mode=mode,
            index=index, authoritative_language=authoritative, signature_count=signature_count,
            today=today)
        try:
            html = env.get_template(plan.letter.template).render(context)
        except LetterError:
            raise
        except TemplateError as exc:
            raise LetterError(f"{plan.letter.template}: {exc}") from exc
        html = group_citations(html)
        if (language or "").split("_")[0] in ("zh", "ja"):
            html = _CJK_LINE_BREAK.sub("", html)
        return html

    def document_html(self, plan: LetterPlan, articles: Iterable[str], *, author: str,
                      stylesheet_href: str | None = None) -> str:
        env, _ = self._environment(plan.campaign.directory, plan.locale)
        locale = merge.babel_locale(plan.locale)
        return env.get_template("document.html").render(
            lang=merge.bcp47(plan.locale),
            dir="rtl" if locale.text_direction == "rtl" else "ltr",
            title=f"{plan.letter.title} — {plan.recipient.name}",
            author=author, stylesheet_href=stylesheet_href,
            letters=Markup("\n".join(articles)))  # noqa: S704 - articles come from the sandbox

    def letter_html(self, campaign: Campaign, recipient_id: str, signer: SignerDetails, *,
                    locale: str | None = None, bilingual: str | None = None,
                    stylesheet_href: str | None = None) -> str:
        plan = self.plan(campaign, recipient_id, locale, bilingual)
        article = self.article_html(plan, signer)
        return self.document_html(plan, [article], author=signer.name,
                                  stylesheet_href=stylesheet_href)

    def cover_letter_html(self, campaign: Campaign, recipient_id: str, *,
                          locale: str | None = None, signature_count: int,
                          stylesheet_href: str | None = None) -> str:
        plan = self.plan(campaign, recipient_id, locale)
        article = self.article_html(plan, None, signature_count=signature_count)
        return self.document_html(plan, [article], author=campaign.organisation,
                                  stylesheet_href=stylesheet_href)

    # --- PDF ----------------------------------------------------------------------------------
    def letter_pdf(self, campaign: Campaign, recipient_id: str, signer: SignerDetails, *,
                   locale: str | None = None, bilingual: str | None = None,
                   pdf_variant: str | None = None) -> bytes:
        html = self.letter_html(campaign, recipient_id, signer, locale=locale,
                                bilingual=bilingual)
        return self.pdf_renderer().write_pdf(html, pdf_variant=pdf_variant)

    def chunk_pdf(self, plan: LetterPlan, signers: list[SignerDetails], *, first_index: int = 0,
                  pdf_variant: str | None = None) -> bytes:
        """Many letters in ONE WeasyPrint document."""
        articles = [self.article_html(plan, s, index=first_index + i)
                    for i, s in enumerate(signers)]
        author = signers[0].name if len(signers) == 1 else plan.campaign.organisation
        html = self.document_html(plan, articles, author=author)
        return self.pdf_renderer().write_pdf(html, pdf_variant=pdf_variant)

    def batch_pdf(self, campaign: Campaign, recipient_id: str, signers: Iterable[SignerDetails],
                  *, locale: str | None = None, bilingual: str | None = None,
                  progress: Callable[[int], None] | None = None,
                  chunk_size: int = CHUNK_SIZE) -> bytes:
        """A mail merge: one letter per signer, all in one PDF."""
        from campaign.letters.pdf import concatenate

        plan = self.plan(campaign, recipient_id, locale, bilingual)
        if isinstance(signers, Sized) and self.processes > 1:
            # Enough chunks to keep every process busy, never more than chunk_size letters.
            share = -(-len(signers) // (self.processes * 2))
            chunk_size = max(1, min(chunk_size, share))
        parts = [pdf for pdf, _count in self._chunks(plan, signers, chunk_size, progress)]
        if not parts:
            raise LetterError("no signers: nothing to render")
        return concatenate(parts)

    def batch_files(self, campaign: Campaign, recipient_id: str,
                    signers: Iterable[SignerDetails], out_dir: Path, *,
                    locale: str | None = None, bilingual: str | None = None,
                    progress: Callable[[int], None] | None = None,
                    file_name: Callable[[int, SignerDetails], str] | None = None) -> list[Path]:
        """One PDF per signer in ``out_dir``, each written atomically. Letters are rendered in
        chunks like a batch and the chunk is then cut at each letter's first page."""
        from campaign.letters.pdf import split_letters

        plan = self.plan(campaign, recipient_id, locale, bilingual)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = file_name or (lambda i, s: f"letter-{i + 1:05d}.pdf")
        signers = list(signers)
        chunk_size = max(1, min(CHUNK_SIZE, -(-len(signers) // (max(self.processes, 1) * 2))))
        written: list[Path] = []
        for pdf, count in self._chunks(plan, signers, chunk_size, None):
            first = len(written)
            authors = [s.name for s in signers[first:first + count]]
            for letter_pdf in split_letters(pdf, count, authors):
                index = len(written)
                written.append(write_atomically(out_dir / name(index, signers[index]),
                                                letter_pdf))
                if progress:
                    progress(1)
        return written

    def _chunks(self, plan: LetterPlan, signers: Iterable[SignerDetails], chunk_size: int,
                progress: Callable[[int], None] | None) -> Iterator[tuple[bytes, int]]:
        chunks = _chunked(signers, chunk_size)
        first = next(chunks, None)
        if first is None:
            return
        second = next(chunks, None)
        if second is None or self.processes < 2:
            for chunk in (first, second, *chunks) if second else (first,):
                pdf = self.chunk_pdf(plan, chunk)
                if progress:
                    progress(len(chunk))
                yield pdf, len(chunk)
            return
        # Workers are forked with the engine and the plan already in memory (the campaign's
        # read-only mappings cannot be pickled, and need not be).
        global _WORKER_STATE
        _WORKER_STATE = (self, plan)
        context = multiprocessing.get_context("fork")
        # Workers are replaced every few chunks so that a long batch keeps a flat memory profile
        # whatever WeasyPrint caches; a fresh worker costs a second, a chunk a minute.
        with context.Pool(self.processes, maxtasksperchild=4) as pool:
            work = ((c,) for c in (first, second, *chunks))
            for pdf, count in pool.imap(_render_chunk, work):
                if progress:
                    progress(count)
                yield pdf, count
        _WORKER_STATE = None

    # --- Translation coverage -----------------------------------------------------------------
    def untranslated_strings(self, campaign: Campaign, recipient_or_letter_id: str,
                             locale: str) -> list[str]:
        """The messages of a letter and of the layout that ``locale`` does not translate."""
        letter = campaign.letter(recipient_or_letter_id) or campaign.letter_for(
            recipient_or_letter_id)
        if letter is None:
            raise NoLetterForRecipient(f"no letter or recipient '{recipient_or_letter_id}' in "
                                       f"campaign '{campaign.slug}'")
        locale = locale.replace("-", "_")
        if locale.split("_")[0] == campaign.source_language.split("_")[0]:
            return []
        env, _ = self._environment(campaign.directory, locale)
        wanted: list[tuple[str | None, str]] = []
        for template in (letter.template, "letter.html"):
            source, _name, _uptodate = env.loader.get_source(env, template)
            for _line, _func, message in env.extract_translations(source):
                if isinstance(message, tuple):
                    wanted.append((None, message[0]))
                elif message:
                    wanted.append((None, message))
        wanted.append(terms.AMBASSADOR_SALUTATION)
        wanted += [(None, m) for m in terms.all_messages()]
        translated = self._translated(locale)
        missing: list[str] = []
        for context, message in wanted:
            key = f"{context}\x04{message}" if context else message
            if key not in translated and message not in missing:
                missing.append(message)
        return missing

    def _translated(self, locale: str) -> set[str]:
        folder = self.locales_dir / locale / "LC_MESSAGES"
        po, mo = folder / "messages.po", folder / "messages.mo"
        done: set[str] = set()
        if po.is_file():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            for m in catalog:
                if not m.id or m.fuzzy:
                    continue
                strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
                if all(strings):
                    ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
                    done.add(f"{m.context}\x04{ids[0]}" if m.context else ids[0])
        elif mo.is_file():
            with mo.open("rb") as handle:
                catalog_mo = GNUTranslations(handle)
            for key, value in catalog_mo._catalog.items():  # noqa: SLF001
                if value:
                    done.add(key[0] if isinstance(key, tuple) else key)
        return done


def _template_cite(citations: Citations) -> Callable[..., Markup]:
    """``cite()`` for templates: a plain function, so a template cannot reach the registry's
    other methods (the sandbox already hides underscore attributes such as ``__self__``)."""

    def cite(source_id: str, locator: str | None = None, label: str = "page") -> Markup:
        return citations(source_id, locator=locator, label=label)

    return cite


_WORKER_STATE: tuple[LetterEngine, LetterPlan] | None = None


def _render_chunk(args: tuple[list[SignerDetails]]) -> tuple[bytes, int]:
    engine, plan = _WORKER_STATE  # type: ignore[misc]
    (chunk,) = args
    return engine.chunk_pdf(plan, chunk), len(chunk)


def _chunked(items: Iterable[SignerDetails], size: int) -> Iterator[list[SignerDetails]]:
    chunk: list[SignerDetails] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
