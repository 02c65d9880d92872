"""Shortening a value for a message (the rules' own texts live in ``core.rules``)."""

from __future__ import annotations


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
