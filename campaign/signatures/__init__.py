"""Petition signing: signatures, confirmation, counts, privacy."""
