"""The letters engine without Flask: the CLI, the web views, background jobs and the benchmark all
render through one ``LetterEngine``.

A batch (mail merge) is rendered in chunks of letters, by two processes when the machine has two
cores. Each chunk is composed (compose.py): the part of the letter every signer shares is laid
out once per process, only each signer's own parts per letter, and pages are assembled from
these layers. Each finished chunk is joined into the output while the next are rendered
(joiner.PdfJoiner), so memory stays flat however many letters there are.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import multiprocessing
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from functools import cache
from gettext import GNUTranslations
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from campaign import interrupts
from campaign.content.model import Campaign, LetterSpec, Recipient, recipient_context
from campaign.content.templates import LAYOUT_FOLDER, make_sandbox
from campaign.i18n import catalogs
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
log = logging.getLogger(__name__)

if TYPE_CHECKING:  # compose.py (pikepdf, pypdf) is only loaded to print a batch
    from campaign.letters.compose import BatchLayers

COURTESY_MARKER = "<!--courtesy-->"  # signer text can never produce it: "<" is escaped
# Where the layout (letters/_layout/letter.html) puts a letter's sources annex.
SOURCES_START = '<section class="sources">'
SOURCES_STOP = "<!--/sources-->"
# CJK punctuation, kana, ideographs and full-width forms: text written without spaces.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uff00-\uffef"
# A line break of the template between two sentences prints as a space, which Chinese and
# Japanese do not put between sentences, whatever the next one starts with (a date, a name in
# Latin letters, an opening quote). After a tag — a note's call, mostly — a line may break
# (<wbr>): the call's figures would otherwise hold on to a sentence that starts with a figure
# ("。¹¹2015年") as one unbreakable word. The character before the break is matched, not looked
# behind at: a pattern that starts with a look-behind is tried at every character of the letter,
# twice as slow.
_CJK_NEXT = rf"(?=[{_CJK}0-9A-Za-z\u2018\u201c])"
_CJK_LINE_BREAK = re.compile(rf"([{_CJK}])[ \t]*\n\s*{_CJK_NEXT}")
_CJK_TAG_LINE_BREAK = re.compile(rf">[ \t]*\n\s*{_CJK_NEXT}")
# A number and its unit are one word in Chinese, Japanese and Korean — "1988年", "10月", "第33条",
# "1,047人", "2024년", "제3조" — but a line may break between any two of their characters (before a Hangul
# syllable too: WeasyPrint has no word-break: keep-all): each is kept on one line. A line may still
# break between the year and the month, so that a whole date does not leave a line short. Only
# text is matched, never the inside of a tag (a source's address may hold CJK characters).
# Digits are ASCII or full-width. The pattern starts with one set of characters, which the
# regular expression engine looks for quickly, and checks "第" is followed by a digit after:
# an optional "第?" first made it try the whole pattern at every character, four times slower.
_DIGIT = "0-9\uff10-\uff19"
_CJK_NUMBER = re.compile(rf"[第제{_DIGIT}](?<=[{_DIGIT}]|[第제](?=[{_DIGIT}]))[{_DIGIT},.]*"
                         rf"[年月日条項项号人名년월일조항호명](?![^<>]*>)")
CHUNK_SIZE = 100
# A mail merge into a folder writes one file per signer, letter-00001.pdf, letter-00002.pdf …
# (more digits past 99,999); a file of another name in that folder is not the merge's.
LETTER_FILE = re.compile(r"letter-\d{5,}\.pdf")


# A letter's text may hold a straight apostrophe between two letters ("People's", "l'appel",
# "O'Brien"), typed in a template, a translation, recipients.csv, a source's title or by a
# signer (escaped by then: "&#39;"); print sets the typographic one. Tags are left alone. The
# pattern starts with the apostrophe, so that it is looked for, not tried at every character.
_APOSTROPHE = re.compile(r"(?:'(?<=[^\W\d_]')|&#39;(?<=[^\W\d_]&#39;))(?=[^\W\d_])(?![^<>]*>)")


# The word an apostrophe is in: an address (a URL, an email address) keeps the one it has, which a
# reader may type in.
_WORD_AROUND = re.compile(r"[^\s<>]*\Z")
_WORD_ON = re.compile(r"[^\s<>]*")
_DOMAIN_PATH = re.compile(r"[\w-]+(?:\.[\w-]+)+/")  # en.wikipedia.org/wiki/…


def _typographic_apostrophe(match: re.Match[str]) -> str:
    text = match.string
    before = _WORD_AROUND.search(text, max(0, match.start() - 200), match.start())
    after = _WORD_ON.match(text, match.end())
    word = (before.group(0) if before else "") + (after.group(0) if after else "")
    if "://" in word or "@" in word or _DOMAIN_PATH.match(word):
        return match.group(0)
    return "\u2019"


# A day and its month are not parted at a line's end ("24 / September", "le 24 / septembre",
# "el 17 / de octubre"): the space between them is a no-break space, as French typography asks
# and English and Spanish style guides recommend.
_DAY_MONTH_LANGUAGES = ("en", "fr", "de", "es")


@cache
def _day_and_month(language: str) -> re.Pattern[str]:
    months = Locale.parse(language).months["format"]
    names = sorted({name for width in ("wide", "abbreviated") for name in months[width].values()},
                   key=len, reverse=True)
    joined = "|".join(re.escape(name.rstrip(".")) for name in names)
    # Starting with a digit (not \b), the pattern is looked for, not tried at every character;
    # the look-behind then checks the digit does not end a longer number.
    return re.compile(rf"\d(?<!\d\d)\d?\.?(?: de)? (?:{joined})\b(?![^<>]*>)")


def _kept_together(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", "\u00a0")


def letter_file_name(index: int, _signer: SignerDetails | None = None) -> str:
    return f"letter-{index + 1:05d}.pdf"


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
        self._envs: dict[tuple[str, str],
                         tuple[tuple[float, float], SandboxedEnvironment, Translations]] = {}
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
        language = self._campaign_language(campaign, locale or recipient.locale,
                                           "the letter's language")
        second = (self._campaign_language(campaign, bilingual, "the courtesy translation's language")
                  if bilingual else None)
        if second == language:
            second = None
        return LetterPlan(campaign, recipient, letter, language, second)

    @staticmethod
    def _campaign_language(campaign: Campaign, locale: str, role: str) -> str:
        wanted = locale.replace("-", "_")
        for language in campaign.languages:
            if language.replace("-", "_").lower() == wanted.lower():
                return language.replace("-", "_")
        # Said in words, not as a command-line option: the web preview shows it too.
        raise UnsupportedLanguage(f"{role} '{locale}' is not a language of campaign "
                                  f"'{campaign.slug}' ({', '.join(campaign.languages)})")

    # --- Translations and templates -----------------------------------------------------------
    def translations(self, locale: str) -> Translations:
        return self._environment(self.letters_dir, locale)[1]

    def _environment(self, campaign_dir: Path, locale: str
                     ) -> tuple[SandboxedEnvironment, Translations]:
        """One sandbox per campaign and language, with that language's catalogue installed;
        rebuilt when the catalogue changes. Per language, so concurrent renders in different
        languages never share gettext functions."""
        key = (str(campaign_dir), locale)
        stamp = catalogs.catalog_stamp(self.locales_dir, locale)
        with self._lock:
            cached = self._envs.get(key)
            if cached is None or cached[0] != stamp:
                try:
                    translations, stale = catalogs.current_translations(self.locales_dir, locale)
                except PoFileError as exc:
                    path = self.locales_dir / locale / "LC_MESSAGES" / "messages.po"
                    raise LetterError(f"{path}:{exc.lineno + 1}: {catalogs.error_message(exc)}") from exc
                if stale:
                    log.warning("%s", stale)
                env = make_sandbox(campaign_dir)
                # HTML ignores the extra whitespace, but trim_blocks would glue sentences
                # together ("Korea.China") where a {% endtrans %} ends a line.
                env.trim_blocks = False
                env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
                cached = (stamp, env, translations)
                self._envs[key] = cached
            return cached[1], cached[2]

    # --- HTML ---------------------------------------------------------------------------------
    def article_html(self, plan: LetterPlan, signer: SignerDetails | None, *, index: int = 0,
                     today: dt.date | None = None, signature_count: int = 0) -> str:
        """One letter as an <article> (with its courtesy translation if bilingual)."""
        if signer is not None:
            signer = merge.validate_signer(signer)
        env, translations = self._environment(plan.campaign.directory, plan.locale)
        citations = Citations(plan.campaign.sources, plan.locale, translations.gettext,
                              translations.pgettext)
        mode = "letter" if signer is not None else "cover"
        html = self._render(env, plan, translations, signer, citations, mode=mode, index=index,
                            today=today, signature_count=signature_count)
        if plan.bilingual:
            env2, translations2 = self._environment(plan.campaign.directory, plan.bilingual)
            citations.retarget(plan.bilingual, translations2.gettext, translations2.pgettext)
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
            raise LetterError(f"{_template_place(exc, plan.letter.template)}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - any mistake in a template is the template's
            # A template is content: an expression such as {{ 1 // 0 }} fails at render time.
            raise LetterError(f"{_template_place(exc, plan.letter.template)}: "
                              f"{type(exc).__name__}: {exc}") from exc
        html = group_citations(html)
        script = (language or "").split("_")[0]
        if script in ("zh", "ja"):
            html = _CJK_TAG_LINE_BREAK.sub("><wbr>", _CJK_LINE_BREAK.sub(r"\1", html))
        if script in ("zh", "ja", "ko"):
            html = _CJK_NUMBER.sub(r'<span class="nowrap">\g<0></span>', html)
        elif script in _DAY_MONTH_LANGUAGES:
            html = _day_and_month(script).sub(_kept_together, html)
        return _APOSTROPHE.sub(_typographic_apostrophe, html)

    def document_html(self, plan: LetterPlan, articles: Iterable[str], *, author: str,
                      stylesheet_href: str | None = None) -> str:
        env, translations = self._environment(plan.campaign.directory, plan.locale)
        locale = merge.babel_locale(plan.locale)
        # The letter's title and the recipient's name are in the catalog
        # (campaign/i18n/extractors.py): the PDF's title is in the letter's language.
        return env.get_template("document.html").render(
            lang=merge.bcp47(plan.locale),
            dir="rtl" if locale.text_direction == "rtl" else "ltr",
            title=(f"{translations.gettext(plan.letter.title)} — "
                   f"{plan.recipient.in_language(translations.pgettext).name}"),
            author=author, stylesheet_href=stylesheet_href,
            letters=Markup("\n".join(articles)))  # noqa: S704 - articles come from the sandbox

    def cover_letter_parts(self, campaign: Campaign, recipient_id: str, *,
                           locale: str | None = None, signature_count: int) -> tuple[str, str]:
        """A delivery packet's cover letter as two documents: the letter without its sources
        annex, and the annex alone ("" if the letter cites nothing), which the packet puts
        after the list of signatures. Numbered as the letter's notes, so only cited sources."""
        plan = self.plan(campaign, recipient_id, locale)
        article = self.article_html(plan, None, signature_count=signature_count)
        author = self._organisation(plan)
        where = sources_section(article)
        tag = re.match(r"\s*(<article\b[^>]*>)", article)
        if tag is None or where is None:
            return self.document_html(plan, [article], author=author), ""
        start, stop = where
        letter = article[:start] + article[stop:]
        sources = f"{tag.group(1)}{article[start:stop]}</article>"
        return (self.document_html(plan, [letter], author=author),
                self.document_html(plan, [sources], author=author))

    def _organisation(self, plan: LetterPlan) -> str:
        """The campaign's organisation in the letter's language: it signs cover letters."""
        return self.translations(plan.locale).gettext(plan.campaign.organisation)

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
        return self.document_html(plan, [article], author=self._organisation(plan),
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
        renderer = self.pdf_renderer()
        return renderer.pdf_bytes(self.chunk_document(plan, signers, first_index=first_index,
                                                      pdf_variant=pdf_variant),
                                  pdf_variant=pdf_variant)

    def chunk_document(self, plan: LetterPlan, signers: list[SignerDetails], *,
                       first_index: int = 0, pdf_variant: str | None = None):
        """Many letters laid out as ONE WeasyPrint document (not yet written)."""
        articles = [self.article_html(plan, s, index=first_index + i)
                    for i, s in enumerate(signers)]
        author = signers[0].name if len(signers) == 1 else plan.campaign.organisation
        html = self.document_html(plan, articles, author=author)
        return self.pdf_renderer().render(html, pdf_variant=pdf_variant)

    def composed_chunk(self, plan: LetterPlan, signers: list[SignerDetails], *,
                       first_index: int = 0, shared: BatchLayers | None = None,
                       each: bool = False) -> bytes | list[bytes]:
        """Many letters assembled from a shared layer and per-signer layers (compose.py): one
        PDF, or one PDF per letter if ``each``. Letters that cannot be composed — bilingual
        ones, or a layout whose check fails — are rendered in one document as by
        ``chunk_pdf``. ``shared`` keeps the shared layers between chunks of a batch."""
        from campaign.letters import compose

        shared = compose.BatchLayers() if shared is None else shared
        if self.composable(plan, shared):
            try:
                assembly = self._assembly(plan, signers, first_index, shared)
                if each:
                    return compose.assemble_each(assembly, [s.name for s in signers])
                return compose.assemble(assembly)
            except compose.NotComposable as exc:
                shared.plain = str(exc)
                log.warning("letters printed in full, not composed: %s", exc)
        if each:
            from campaign.letters.pdf import write_each

            return write_each(self.chunk_document(plan, signers, first_index=first_index),
                              [s.name for s in signers])
        return self.chunk_pdf(plan, signers, first_index=first_index)

    @staticmethod
    def composable(plan: LetterPlan, shared: BatchLayers) -> bool:
        return not plan.bilingual and shared.plain is None

    def prepare_shared(self, plan: LetterPlan, signer: SignerDetails,
                       shared: BatchLayers) -> None:
        """Lays out (and checks) the shared layers with one signer, before the batch's worker
        processes start, so that they inherit them instead of each making its own."""
        from campaign.letters import compose

        if not self.composable(plan, shared):
            return
        # The full layout the check compares with is made meanwhile by another process: the
        # two layouts are the slowest part of a short batch.
        global _WORKER_STATE
        _WORKER_STATE = (self, plan, shared, False)
        context = multiprocessing.get_context("fork")
        with interrupts.started_pool(
                lambda: context.Pool(1, initializer=interrupts.die_with_parent,
                                     initargs=(os.getpid(),))) as pool:
            full = pool.apply_async(_full_text, ((signer,),))
            try:
                self._assembly(plan, [signer], 0, shared, full_letter=lambda _i: full.get())
            except compose.NotComposable as exc:
                shared.plain = str(exc)
                log.warning("letters printed in full, not composed: %s", exc)
        _WORKER_STATE = None

    def _assembly(self, plan: LetterPlan, signers: list[SignerDetails], first_index: int,
                  shared: BatchLayers, full_letter: Callable[[int], tuple] | None = None):
        from campaign.letters import compose

        renderer = self.pdf_renderer()
        if not shared.stylesheet_checked:
            compose.check_stylesheet(self.css_path.read_text(encoding="utf-8"))
            shared.stylesheet_checked = True

        def layer(articles: list[str], css: str, author: str, *, margin_boxes: bool = False,
                  per_signer: bool = False):
            return renderer.render(self.document_html(plan, articles, author=author),
                                   extra_css=css, margin_boxes=margin_boxes,
                                   share_styles=per_signer)

        def written(document) -> bytes:
            """A layer every file of the batch copies, its fonts cut down to what it draws."""
            return compose.compact(*renderer.compact_pdf_bytes(document))

        signers = [merge.validate_signer(s) for s in signers]
        parts = [compose.cut(self.article_html(plan, s, index=first_index + i))
                 for i, s in enumerate(signers)]
        author = signers[0].name if len(signers) == 1 else plan.campaign.organisation
        senders = layer([compose.sender_article(p) for p in parts], compose.NO_NUMBERS_CSS,
                        author, per_signer=True)
        keys = [(height, part.shared_digest, False) for height, part in
                zip(compose.sender_heights(senders, len(parts)), parts, strict=True)]
        layouts = shared.layouts

        def shared_layout(index: int, key: tuple[float, str, bool]) -> None:
            """Lays out the shared layer of ``key`` with letter ``index``, if not yet done."""
            if key in layouts:
                return
            if len(layouts) >= compose.MAX_SHARED_LAYOUTS:
                raise compose.NotComposable("the body of the letter changes from signer "
                                            "to signer")
            if key[2]:  # the end kept with the body's last lines
                article = compose.kept_article(parts[index], layouts[(*key[:2], False)])
                document = layer([article], compose.SHARED_KEPT_CSS, author)
            else:
                document = layer([parts[index].article], compose.SHARED_CSS, author)
            pages, spacer, join_bottom, sender_height, room = compose.shared_geometry(document)
            if abs(sender_height - key[0]) > 0.01:
                raise compose.NotComposable("the sender block is not as tall as measured")
            digest = parts[index].shared_digest
            if digest not in shared.sources:
                shared.sources[digest] = (None, ())
                if parts[index].sources:
                    annex = layer([compose.sources_article(parts[index])],
                                  compose.NO_NUMBERS_CSS, author)
                    shared.sources[digest] = (written(annex), compose.page_text(annex))
            sources, sources_text = shared.sources[digest]
            layouts[key] = compose.SharedLayer(
                written(document), pages, spacer, join_bottom, sources, room=room,
                text=compose.page_text(document), sources_text=sources_text)

        def end_layer(indexes: list[int]):
            """The end layer of the given letters, and each one's (first page, count) in it."""
            document = layer([compose.end_article(parts[i], layouts[keys[i]]) for i in indexes],
                             compose.end_css(layouts[keys[i]] for i in indexes), author,
                             per_signer=True)
            return document, compose.letter_pages(document, len(indexes))

        for index, key in enumerate(keys):
            shared_layout(index, key)
        ends, end_pages = end_layer(list(range(len(parts))))
        # An end that does not fit below the body takes the body's last lines with it to the
        # next page, as in the letter laid out in full: those letters join a shared layer whose
        # body ends a page later, and their ends are laid out again.
        kept = [i for i, (first, _count) in enumerate(end_pages)
                if not compose.end_fits(ends, first)]
        pages = [ends.pages[first:first + count] for first, count in end_pages]
        if kept:
            for index in kept:
                keys[index] = (*keys[index][:2], True)
                shared_layout(index, keys[index])
            again, again_pages = end_layer(kept)
            for index, (first, count) in zip(kept, again_pages, strict=True):
                if not compose.end_fits(again, first):
                    raise compose.NotComposable("the end of a letter fits on no page")
                pages[index] = again.pages[first:first + count]
        # Each letter's end pages as (first, count) in the signers' document, after the senders.
        placed, offset = [], len(senders.pages)
        for letter in pages:
            placed.append((offset, len(letter)))
            offset += len(letter)
        signers_document = senders.copy(senders.pages + [p for ps in pages for p in ps])
        signer_pdf = renderer.pdf_bytes(signers_document)
        assembly = compose.Assembly(
            shared={key: layouts[key] for key in set(keys)}, groups=keys,
            signer_pdf=signer_pdf, end_pages=placed,
            numbers={}, **compose.document_info(signers_document, signer_pdf))
        for index in range(len(parts)):
            total = assembly.total_pages(index)
            if total not in shared.numbers:
                numbers = layer([compose.numbers_article(parts[0], total)],
                                compose.NUMBERS_CSS, author, margin_boxes=True)
                shared.numbers[total] = written(numbers)
                shared.numbers_text[total] = compose.page_text(numbers)
            assembly.numbers[total] = shared.numbers[total]

        def signer_text(page: int):
            return compose.page_text(signers_document, [page])[0]

        # A shared layer is trusted once a letter made with it draws, page by page, the same
        # characters as the same letter laid out in full: the first letter that uses it is
        # checked (not the letter it was laid out with, which may have moved to a kept one).
        first_user: dict[tuple[float, str, bool], int] = {}
        for index, key in enumerate(keys):
            if key not in shared.checked:
                first_user.setdefault(key, index)
        for key, index in first_user.items():
            composed = compose.composed_text(
                assembly, index, signer_text,
                shared.numbers_text[assembly.total_pages(index)])
            compose.check(composed, lambda i=index: full_letter(i) if full_letter
                          else self.full_text(plan, signers[i]))
            shared.checked.add(key)
        return assembly

    def full_text(self, plan: LetterPlan, signer: SignerDetails) -> tuple:
        """What each page of one letter laid out in full draws (compose.page_text)."""
        from campaign.letters import compose

        document = self.pdf_renderer().render(
            self.document_html(plan, [self.article_html(plan, signer)], author=signer.name))
        return compose.page_text(document)

    def batch_pdf(self, campaign: Campaign, recipient_id: str, signers: Iterable[SignerDetails],
                  *, locale: str | None = None, bilingual: str | None = None,
                  progress: Callable[[int], None] | None = None,
                  chunk_size: int = CHUNK_SIZE) -> bytes:
        """A mail merge: one letter per signer, all in one PDF (``write_batch_pdf`` writes a
        large one to a file without holding it in memory)."""
        with tempfile.TemporaryDirectory(prefix="campaign-batch-") as work:
            target = Path(work) / "batch.pdf"
            self.write_batch_pdf(campaign, recipient_id, signers, target, locale=locale,
                                 bilingual=bilingual, progress=progress, chunk_size=chunk_size)
            return target.read_bytes()

    def write_batch_pdf(self, campaign: Campaign, recipient_id: str,
                        signers: Iterable[SignerDetails], target: Path, *,
                        locale: str | None = None, bilingual: str | None = None,
                        progress: Callable[[int], None] | None = None,
                        chunk_size: int = CHUNK_SIZE) -> Path:
        """A mail merge into one PDF file, written atomically. Each chunk is joined into the file
        as soon as it is rendered, while the next ones are rendered, so memory stays flat however
        many letters there are."""
        from campaign.letters.joiner import PdfJoiner

        plan = self.plan(campaign, recipient_id, locale, bilingual)
        if isinstance(signers, Sized) and self.processes > 1:
            # Enough chunks to keep every process busy, never more than chunk_size letters.
            share = -(-len(signers) // (self.processes * 2))
            chunk_size = max(1, min(chunk_size, share))

        def write(out) -> None:
            joiner = PdfJoiner(out)
            for pdf, _count in self._chunks(plan, signers, chunk_size, progress):
                joiner.add(pdf)
            if not joiner.parts:
                raise LetterError("no signers: nothing to render")
            joiner.finish()

        return write_atomically(target, write)

    def batch_files(self, campaign: Campaign, recipient_id: str,
                    signers: Iterable[SignerDetails], out_dir: Path, *,
                    locale: str | None = None, bilingual: str | None = None,
                    progress: Callable[[int], None] | None = None,
                    file_name: Callable[[int, SignerDetails], str] | None = None) -> list[Path]:
        """One PDF per signer in ``out_dir``, each written atomically."""
        plan = self.plan(campaign, recipient_id, locale, bilingual)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = file_name or letter_file_name
        signers = list(signers)
        chunk_size = max(1, min(CHUNK_SIZE, -(-len(signers) // (max(self.processes, 1) * 2))))
        written: list[Path] = []
        for letters, _count in self._chunks(plan, signers, chunk_size, None, each=True):
            for letter_pdf in letters:
                index = len(written)
                written.append(write_atomically(out_dir / name(index, signers[index]),
                                                letter_pdf))
                if progress:
                    progress(1)
        return written

    def _chunks(self, plan: LetterPlan, signers: Iterable[SignerDetails], chunk_size: int,
                progress: Callable[[int], None] | None, *, each: bool = False
                ) -> Iterator[tuple[bytes | list[bytes], int]]:
        """The batch's letters, composed chunk by chunk (``composed_chunk``), in order."""
        chunks = _chunked(signers, chunk_size)
        first = next(chunks, None)
        if first is None:
            return
        second = next(chunks, None)
        from campaign.letters.compose import BatchLayers

        shared = BatchLayers()  # the shared layers, kept from chunk to chunk
        if second is None or self.processes < 2 or not interrupts.may_start_processes():
            for chunk in (first, second, *chunks) if second else (first,):
                result = self.composed_chunk(plan, chunk, shared=shared, each=each)
                if progress:
                    progress(len(chunk))
                yield result, len(chunk)
            return
        # Workers are forked with the engine and the plan already in memory (the campaign's
        # read-only mappings cannot be pickled, and need not be); each keeps its own shared
        # layers.
        self.prepare_shared(plan, first[0], shared)
        global _WORKER_STATE
        _WORKER_STATE = (self, plan, shared, each)
        context = multiprocessing.get_context("fork")
        # Workers are replaced every few chunks so that a long batch keeps a flat memory profile
        # whatever WeasyPrint caches; a fresh worker costs a second.
        with interrupts.started_pool(lambda: context.Pool(
                self.processes, maxtasksperchild=4, initializer=_worker_started,
                initargs=(os.getpid(),))) as pool:
            work = ((c,) for c in (first, second, *chunks))
            for result, count in pool.imap(_render_chunk, work):
                if progress:
                    progress(count)
                yield result, count
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
        wanted += terms.CITATION_PUNCTUATION.values()
        one = campaign.recipients.get(recipient_or_letter_id)
        for recipient in [one] if one else campaign.recipients_of(letter.id):
            wanted += [(recipient_context(recipient.id), text) for text in (
                recipient.name, recipient.title_of_addressee, recipient.addressee_name) if text]
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


def sources_section(article_html: str, after: int = 0) -> tuple[int, int] | None:
    """Where a letter's sources annex (SOURCES_START up to SOURCES_STOP) lies in its article,
    looking from ``after``; None when the letter cites nothing."""
    start = article_html.find(SOURCES_START, after)
    stop = article_html.find(SOURCES_STOP, after)
    return (start, stop) if 0 <= start < stop else None


def _template_place(exc: BaseException, template: str) -> str:
    """``file:line`` of the template line that failed, from the traceback (Jinja maps its frames
    to template lines), or the letter's template when no template frame is found."""
    place = None
    lineno = getattr(exc, "lineno", None)
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if lineno and name:
        place = f"{name}:{lineno}"
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") or filename.endswith(".txt"):
            place = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return place or template


def _template_cite(citations: Citations) -> Callable[..., Markup]:
    """``cite()`` for templates: a plain function, so a template cannot reach the registry's
    other methods (the sandbox already hides underscore attributes such as ``__self__``)."""

    def cite(source_id: str, locator: str | None = None, label: str = "page") -> Markup:
        return citations(source_id, locator=locator, label=label)

    return cite


_WORKER_STATE: tuple[LetterEngine, LetterPlan, BatchLayers, bool] | None = None


def _worker_started(parent: int) -> None:
    # A worker inherits the engine, the plan and the shared layers (hundreds of thousands of
    # objects that live as long as it does). Left in the collector's care, every full collection
    # walks them all again, about a fifth of a chunk's time; frozen, it walks only what the
    # chunk made.
    gc.freeze()
    interrupts.die_with_parent(parent)


def _render_chunk(args: tuple[list[SignerDetails]]) -> tuple[bytes | list[bytes], int]:
    engine, plan, shared, each = _WORKER_STATE  # type: ignore[misc]
    (chunk,) = args
    return engine.composed_chunk(plan, chunk, shared=shared, each=each), len(chunk)


def _full_text(args: tuple[SignerDetails]) -> tuple:
    engine, plan, _shared, _each = _WORKER_STATE  # type: ignore[misc]
    (signer,) = args
    return engine.full_text(plan, signer)


def _chunked(items: Iterable[SignerDetails], size: int) -> Iterator[list[SignerDetails]]:
    chunk: list[SignerDetails] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
