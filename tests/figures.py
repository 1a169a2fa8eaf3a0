"""Figures a test measures and the run prints at its end, whatever pytest captured (tests/conftest.py prints them):
the relevance shares of tests/search."""

FIGURES: list[str] = []
