"""The sandbox that campaign templates (letters, petition text) run in.

Templates are content written by organisers and translators, and they are merged with what signers
type, so they run in Jinja's ``SandboxedEnvironment`` with autoescape on: a template cannot reach
Python internals, and signer text is always escaped.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment

LAYOUT_FOLDER = "_layout"  # shared layouts and assets under the letters root


def make_sandbox(campaign_dir: Path) -> SandboxedEnvironment:
    """A sandboxed, autoescaping environment that finds the campaign's templates and the shared
    layouts in ``<letters root>/_layout``."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(campaign_dir), str(campaign_dir.parent / LAYOUT_FOLDER)]),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Whitespace inside {% trans %} is normalised, as in babel.cfg, so runtime msgids match the
    # extracted ones however a template wraps its sentences.
    env.policies["ext.i18n.trimmed"] = True
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    # WeasyPrint ignores dir="auto": templates write dir="{{ text|text_dir }}" instead.
    env.filters["text_dir"] = text_direction
    return env


def text_direction(text: str) -> str:
    """The direction of a text from its first strong character (what ``dir="auto"`` does), so
    that a Latin line keeps its punctuation in place inside an Arabic letter and the other way
    round."""
    for ch in str(text):
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "auto"


@dataclass(frozen=True)
class CiteCall:
    """A ``cite(...)`` call of a template, as written: the source id and the locator's label
    when they are literal strings (None when they are not), and the line."""

    key: str | None
    label: str | None
    line: int


def cite_calls(env: SandboxedEnvironment, source: str) -> list[CiteCall]:
    """Every ``cite(source_id, locator=…, label=…)`` call in a template."""
    found: list[CiteCall] = []
    for call in env.parse(source).find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "cite":
            first = call.args[0] if call.args else None
            key = first.value if isinstance(first, nodes.Const) else None
            label_node = next((kw.value for kw in call.kwargs if kw.key == "label"),
                              call.args[2] if len(call.args) > 2 else None)
            label: str | None = "page"  # cite()'s default
            if label_node is not None:
                label = str(label_node.value) if isinstance(label_node, nodes.Const) else None
            found.append(CiteCall(None if key is None else str(key), label, call.lineno))
    return found
