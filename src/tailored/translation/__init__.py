"""Chapters in other languages: human translations first, verified machine ones next."""
