"""Search over the catalogue's in-memory copy: an SQLite FTS5 index with stemming.

The store's own text search differs between mongod and the local stand-in (several words,
stemming), so catalogue ranks in-process instead: one in-memory FTS5 table a snapshot of the
products, with the porter tokenizer ("robots", "Robot" and "robotic" meet at "robot") and
BM25 ranking that weighs a word in the name above one in the categories, and both above the
description. The index is built again only when the snapshot's content changes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any

Product = dict[str, Any]

# BM25 weight of a match in each column: a robot named for the word beats one that
# mentions it in passing.
COLUMNS = (("name", 10.0), ("categories", 4.0), ("description", 1.0))
TOKENIZER = "porter unicode61 remove_diacritics 2"


class SearchIndex:
    """One snapshot's products in an FTS5 table, queried under a lock (one connection)."""

    def __init__(self, products: Sequence[Product]) -> None:
        self._skus = [str(product["sku"]) for product in products]
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        names = ", ".join(name for name, _ in COLUMNS)
        self._db.execute(
            f"CREATE VIRTUAL TABLE products USING fts5({names}, tokenize='{TOKENIZER}')"
        )
        self._db.executemany(
            "INSERT INTO products (rowid, name, categories, description) VALUES (?, ?, ?, ?)",
            (
                (
                    row,
                    str(product.get("name", "")),
                    " ".join(map(str, product.get("categories", []))),
                    str(product.get("description", "")),
                )
                for row, product in enumerate(products)
            ),
        )

    def ranked(self, words: Iterable[str], limit: int, offset: int = 0) -> tuple[list[str], int]:
        """The skus of one page of the products holding any of the words (stemmed), best
        match first, and how many products match in all."""
        # Each word quoted as an FTS5 string: a word is data, never query syntax.
        query = " OR ".join('"' + word.replace('"', '""') + '"' for word in words)
        if not query:
            return [], 0
        weights = ", ".join(str(weight) for _, weight in COLUMNS)
        with self._lock:
            rows = self._db.execute(
                f"SELECT rowid FROM products WHERE products MATCH ? "
                f"ORDER BY bm25(products, {weights}), rowid LIMIT ? OFFSET ?",
                (query, limit, offset),
            ).fetchall()
            (total,) = self._db.execute(
                "SELECT count(*) FROM products WHERE products MATCH ?", (query,)
            ).fetchone()
        return [self._skus[row] for (row,) in rows], int(total)


_lock = threading.Lock()
_current: tuple[str, SearchIndex] | None = None


def for_version(version: str, products: Sequence[Product]) -> SearchIndex:
    """The index of the products of snapshot `version`, built once for each new version."""
    global _current
    current = _current
    if current is not None and current[0] == version:
        return current[1]
    with _lock:
        current = _current
        if current is None or current[0] != version:
            current = (version, SearchIndex(products))
            _current = current
        return current[1]
