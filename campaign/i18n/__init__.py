"""Translations: catalogs, checks, translator tools."""
