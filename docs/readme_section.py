"""A generated block of README.md, kept between two HTML comment markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def read(start: str, end: str) -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index(start) + len(start) : text.index(end)].strip("\n")


def replace(start: str, end: str, body: str) -> None:
    text = README.read_text(encoding="utf-8")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(f"{before}{start}\n{body}\n{end}{after}", encoding="utf-8")
