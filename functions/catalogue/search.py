"""`GET /search/{text}`: the shopper's words checked, then ranked in the snapshot's index.

A page of the best matches (SEARCH_PAGE without `limit`): a word every product holds must not
make one answer carry the whole catalogue.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from catalogue import products, search_index
from kit import ApiError, paging

MAX_SEARCH_CHARS = 100
# A bound on what one search may cost: each word is a term of the index's query. Words are
# what spaces separate, as the API description can say in a pattern; within them only the
# first MAX_SEARCH_WORDS runs of letters and digits are searched ("a.b.c" is three).
MAX_SEARCH_WORDS = 8
SEARCH_PAGE = 100
SEARCH_PAGE_MAX = 1000
_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    """The distinct words of the search text, casefolded; 400 for text no search takes."""
    text = text.strip()
    if not text:
        raise ApiError(400, "bad_request", "search text must not be empty")
    if len(text) > MAX_SEARCH_CHARS:
        raise ApiError(400, "bad_request", f"search text is longer than {MAX_SEARCH_CHARS}")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        # No product text holds control characters, and a NUL breaks some text searches.
        raise ApiError(400, "bad_request", "search text must not hold control characters")
    if len(text.split()) > MAX_SEARCH_WORDS:
        raise ApiError(400, "bad_request", f"search text has more than {MAX_SEARCH_WORDS} words")
    words = dict.fromkeys(word.casefold() for word in _WORD.findall(text))
    return list(words)[:MAX_SEARCH_WORDS]


def search(text: str, args: Mapping[str, str]) -> tuple[list[products.Product], int, int, int]:
    """One page of the products matching the text, best first: the page, the number of
    matches, the limit and the offset."""
    current = products.snapshot()
    words = words_of(text)
    limit, offset = paging.page(args, SEARCH_PAGE, SEARCH_PAGE_MAX)
    index = search_index.for_version(current.version, current.products)
    skus, total = index.ranked(words, limit, offset)
    return [current.by_sku[sku] for sku in skus], total, limit, offset
