"""Case folding as re.IGNORECASE applies it to ASCII literals: the four non-ASCII letters
that match `i`, `s` and `k` become them, then everything is lower-cased."""

from __future__ import annotations

FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


SPECIAL = tuple(chr(code) for code in FOLD)


def fold(text: str) -> str:
    """``text.translate(FOLD).lower()``; text without those four letters (nearly all) skips
    the translation, which is a per-character table lookup."""
    if text.isascii() or not any(letter in text for letter in SPECIAL):
        return text.lower()
    return text.translate(FOLD).lower()
