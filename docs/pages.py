"""The documentation pages (README.md and docs/*.md) as the tests and the
generating scripts read them: headings, sections, and generated blocks kept
between two HTML comment markers."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^(#{1,6}) +(.+?) *#* *$")


def path(page: str) -> Path:
    """`README.md` or a page of docs/ (`language.md`)."""
    return ROOT / page if page == "README.md" else ROOT / "docs" / page


def read(page: str) -> str:
    return path(page).read_text(encoding="utf-8")


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(line index, level, text) of every heading outside fenced code."""
    found, fenced = [], False
    for index, line in enumerate(text.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            found.append((index, len(match.group(1)), match.group(2)))
    return found


def blocks(page: str) -> list[tuple[str, str]]:
    """(info string, text) of every fenced code block: ("", ...) for a plain one."""
    found, info, lines = [], None, []
    for line in read(page).splitlines(keepends=True):
        if info is None and _FENCE.match(line):
            info, lines = line[3:].strip(), []
        elif info is not None and line.rstrip() in ("```", "~~~"):
            found.append((info, "".join(lines)))
            info = None
        elif info is not None:
            lines.append(line)
    return found


def headings(page: str) -> list[str]:
    return [title for _, _, title in _headings(read(page))]


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: `## Shape inference` is `#shape-inference`."""
    text = re.sub(r"[^\w\- ]", "", heading.lower())
    return text.replace(" ", "-")


def section(page: str, heading: str) -> str:
    """The text under a heading, up to the next heading of its level or above."""
    text = read(page)
    lines = text.splitlines(keepends=True)
    found = _headings(text)
    for position, (index, level, title) in enumerate(found):
        if title == heading:
            after = [i for i, lv, _ in found[position + 1 :] if lv <= level]
            return "".join(lines[index : after[0] if after else len(lines)])
    raise KeyError(f"{page} has no heading {heading!r}")


def block(page: str, start: str, end: str) -> str:
    """A generated block: the text between its two markers."""
    text = read(page)
    return text[text.index(start) + len(start) : text.index(end)].strip("\n")


def replace_block(page: str, start: str, end: str, body: str) -> None:
    text = read(page)
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    path(page).write_text(f"{before}{start}\n{body}\n{end}{after}", encoding="utf-8")
