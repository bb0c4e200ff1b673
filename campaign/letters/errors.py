"""Domain errors of the letters engine; the web layer and the CLI turn them into messages."""

from __future__ import annotations


class LetterError(Exception):
    """A letter cannot be rendered as asked; the message says why in plain words."""


class UnknownRecipient(LetterError):
    pass


class NoLetterForRecipient(LetterError):
    pass


class UnsupportedLanguage(LetterError):
    pass


class InvalidSigner(LetterError):
    pass


def not_found(error: LetterError) -> bool:
    """Whether ``error`` says that what was asked for does not exist (a recipient, a letter, a
    language), rather than that the campaign's content or a catalog is broken."""
    return isinstance(error, UnknownRecipient | NoLetterForRecipient | UnsupportedLanguage)
