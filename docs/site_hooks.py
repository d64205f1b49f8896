"""The documentation site's build hooks (mkdocs.yml): the README as the front
page, the gallery of built-in cells made by symcount as the site is built
(docs/make_gallery.py), and the one reading of table rows where GitHub and
Python-Markdown differ. Nothing is written into docs/."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.structure.files import File, Files

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))
import make_gallery  # noqa: E402  (a script of docs/, not a package)

GALLERY = "gallery/index.md"
# Wide formulas and tables: the gallery's pages give the table of contents' room to them.
WIDE = "---\nhide:\n  - toc\n---\n\n"
# The README links into docs/ as GitHub shows it (`[docs/cli.md](docs/cli.md)`);
# on the site it is the front page, docs/index.md, beside the pages it links.
INTO_DOCS = re.compile(r"(?<=\[)docs/|(?<=\]\()docs/")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def on_config(config):
    """The gallery in the navigation: its index, then a page per built-in cell."""
    for position, entry in enumerate(config.nav):
        if isinstance(entry, dict) and list(entry.values()) == [GALLERY]:
            [title] = entry
            pages = [{name: f"gallery/{name}.md"} for name in make_gallery.sources.builtin_names()]
            config.nav[position] = {title: [GALLERY, *pages]}
    return config


def on_files(files: Files, config) -> Files:
    files.append(File.generated(config, "index.md", content=front_page()))
    for path, text in make_gallery.site_pages().items():
        files.append(File.generated(config, path, content=WIDE + text))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    return table_pipes(markdown)


def front_page() -> str:
    """The README, its links made relative to docs/."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    return INTO_DOCS.sub("", readme)


def table_pipes(markdown: str) -> str:
    r"""Table rows read as GitHub reads them: `\|` in a code span is a `|`
    (`--form expanded\|factored`); Python-Markdown keeps the backslash, and
    needs no escape there, a code span never ending a cell.

    >>> table_pipes("| `a\\|b` | c\\|d |\n`e\\|f`")
    '| `a|b` | c\\|d |\n`e\\|f`'
    """
    lines, fenced = [], False
    for line in markdown.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and line.startswith("|"):
            line = CODE_SPAN.sub(lambda m: m.group(0).replace("\\|", "|"), line)
        lines.append(line)
    return "\n".join(lines)
