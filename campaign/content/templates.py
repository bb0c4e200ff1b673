"""The sandbox that campaign templates (letters, petition text) run in.

Templates are content written by organisers and translators, and they are merged with what signers
type, so they run in Jinja's ``SandboxedEnvironment`` with autoescape on: a template cannot reach
Python internals, and signer text is always escaped.
"""

from __future__ import annotations

import unicodedata
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


def cite_calls(env: SandboxedEnvironment, source: str) -> list[tuple[str | None, int]]:
    """Every ``cite(...)`` call in a template: (source id or None if not a literal, line)."""
    found: list[tuple[str | None, int]] = []
    for call in env.parse(source).find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "cite":
            first = call.args[0] if call.args else None
            key = first.value if isinstance(first, nodes.Const) else None
            found.append((None if key is None else str(key), call.lineno))
    return found
