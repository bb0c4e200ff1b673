"""The petition text: the campaign's ``petition.html`` rendered in the sandbox, in one language,
with numbered citations and the list of sources they point to."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from campaign.content.model import Campaign, Source
from campaign.content.templates import make_sandbox
from campaign.i18n.formats import compiled_translations
from campaign.letters.citations import format_locator


@dataclass(frozen=True)
class Reference:
    number: int
    source: Source
    title: str


@dataclass(frozen=True)
class PetitionText:
    html: Markup
    references: tuple[Reference, ...]


_cache: dict[tuple[int, str], tuple[Campaign, PetitionText]] = {}
_lock = threading.Lock()


def render_petition(campaign: Campaign, locale: str, locales_dir: str) -> PetitionText:
    """Renders (once per campaign version and language) the petition text."""
    key = (id(campaign), locale)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] is campaign:
            return cached[1]
    text = _render(campaign, locale, locales_dir)
    with _lock:
        _cache[key] = (campaign, text)
    return text


def _render(campaign: Campaign, locale: str, locales_dir: str) -> PetitionText:
    env = make_sandbox(Path(campaign.directory))
    # On a web page the line break after ``{% endtrans %}`` is the space between two sentences;
    # trimming it (right for letter layout) would glue the sentences together.
    env.trim_blocks = False
    catalog = compiled_translations(locales_dir, locale)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    numbers: dict[str, int] = {}

    def cite(source_id: str, locator: str = "", label: str = "page") -> Markup:
        if source_id not in campaign.sources:
            return Markup("")
        number = numbers.setdefault(source_id, len(numbers) + 1)
        # The same localized locator terms as the letters ("第33条", "para. 43").
        where = f" {format_locator(locator, label, catalog.gettext)}" if locator else ""
        return Markup('<sup class="cite"><a href="#ref-{n}">[{n}{w}]</a>'
                      "</sup>").format(n=number, w=escape(where))

    html = env.get_template(campaign.petition).render(cite=cite, locale=locale,
                                                      campaign=campaign.slug)
    references = tuple(
        Reference(number, campaign.sources[source_id],
                  campaign.sources[source_id].title_in(locale))
        for source_id, number in sorted(numbers.items(), key=lambda item: item[1])
    )
    # The sandbox autoescapes: signer-free content whose variables are already escaped.
    return PetitionText(Markup(html), references)  # noqa: S704
