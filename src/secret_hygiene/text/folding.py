"""Case folding as re.IGNORECASE applies it to ASCII literals: the four non-ASCII letters
that match `i`, `s` and `k` become them, then everything is lower-cased."""

from __future__ import annotations

FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold(text: str) -> str:
    """``text.translate(FOLD).lower()``; ASCII text (most source code) skips the translation,
    which is a per-character table lookup."""
    return text.lower() if text.isascii() else text.translate(FOLD).lower()
