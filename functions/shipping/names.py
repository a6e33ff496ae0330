"""ASCII forms of place names, so that `zur` finds Zürich and `lodz` finds Łódź.

The seed stores each city's ASCII name; `/match` folds the typed text the same
way, so both sides of the comparison are spelled alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters that Unicode decomposition leaves alone, spelled as people type them.
_LATIN = str.maketrans(
    {
        "ß": "ss",
        "\u0131": "i",  # dotless i
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ħ": "h",
        "Ħ": "H",
        "ə": "e",
        "Ə": "E",
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote
        "\u02bb": "'",  # turned comma (okina)
        "\u02bc": "'",  # modifier apostrophe
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
    }
)
_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[A-Za-z]")


def fold(text: str) -> str:
    """`text` in ASCII: accents dropped, special letters spelled out, other scripts left out."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN))
    kept = "".join(ch for ch in decomposed if ch.isascii())
    return _SPACES.sub(" ", kept).strip(" ,-")


def ascii_name(name: str, alternatives: Iterable[str] = ()) -> str:
    """The ASCII name of a place: its name folded, else its first ASCII alternative name."""
    folded = fold(name)
    if _LETTER.search(folded):
        return folded
    for alternative in alternatives:
        if alternative.isascii() and _LETTER.search(alternative):
            return alternative.strip()
    return folded
