"""The relative links of the repository's Markdown, checked as GitHub would follow them.

Markdown is read by markdown-it (CommonMark, as GitHub's renderer), so a link in a code
block or a code span is not a link. A link's file must exist; an anchor into a Markdown
file must be one of its headings, slugged as GitHub slugs them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from scripts.stack.processes import ROOT

_PARSER = MarkdownIt("commonmark").enable("table")


def pages(root: Path = ROOT) -> list[Path]:
    """The Markdown a reader of the repository follows links in."""
    found = [root / "README.md", root / "CONTRIBUTING.md"]
    found += sorted((root / "docs").rglob("*.md")) + sorted((root / "knative").rglob("*.md"))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _inlines(text: str) -> Iterator[tuple[Token, Token]]:
    """Each inline token, with the block token before it (a heading's opening, say)."""
    tokens = _PARSER.parse(text)
    for before, token in itertools.pairwise(tokens):
        if token.type == "inline":
            yield before, token


def _plain(inline: Token) -> str:
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    for before, inline in _inlines(path.read_text()):
        if before.type != "heading_open":
            continue
        base = slug(_plain(inline))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(path: Path) -> Iterator[str]:
    for _, inline in _inlines(path.read_text()):
        for child in inline.children or []:
            target = child.attrs.get("href") if child.type == "link_open" else None
            if child.type == "image":
                target = child.attrs.get("src")
            if isinstance(target, str):
                yield target


def problems(path: Path, root: Path = ROOT) -> list[str]:
    """Each relative link of `path` that leads nowhere."""
    found = []
    for target in links(path):
        parts = urlsplit(target)
        if parts.scheme or target.startswith("//"):
            continue  # another site's: not ours to check offline
        destination = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        where = f"{path.relative_to(root)}: {target}"
        if not destination.exists():
            found.append(f"{where}: no such file")
        elif destination.suffix == ".md" and parts.fragment not in {"", *anchors(destination)}:
            found.append(f"{where}: no heading #{parts.fragment}")
    return found
