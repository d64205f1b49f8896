"""The documentation site (mkdocs.yml) builds in strict mode from docs/, with
the README as its front page and a gallery page per built-in cell; the README
stays a front page in length."""

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import symcount
from conftest import doc_script

ROOT = Path(__file__).resolve().parent.parent
README_LINES = 400


def test_the_readme_is_a_front_page_in_length():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < README_LINES, "move details into docs/ and link them"


def test_the_front_page_is_the_readme_not_a_copy():
    assert not (ROOT / "docs" / "index.md").exists()


# ---- the build ----


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built by `mkdocs build --strict` (a warning fails it), or a skip
    where mkdocs-material is not installed."""
    if not all(importlib.util.find_spec(name) for name in ("mkdocs", "material", "pymdownx")):
        pytest.skip("the site needs the docs extra: pip install '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return out


def article(site: Path, page: str) -> str:
    """A built page's content, without the theme's navigation around it."""
    text = (site / page / "index.html").read_text(encoding="utf-8")
    return text[text.index("<article") : text.index("</article>")]


def test_the_site_builds_every_page_of_docs(site):
    for page in (ROOT / "docs").glob("*.md"):
        assert (site / page.stem / "index.html").exists(), page.name
    assert not list(site.rglob("*.py")), "the scripts of docs/ are not pages"


def test_the_front_page_is_the_readme_with_its_links_into_docs(site):
    front = article(site, ".")
    assert "symcount derives, in closed form" in front
    assert 'href="language/"' in front and 'href="docs/' not in front
    assert 'src="gallery/lstm.png"' in front


def test_a_pipe_escaped_for_github_reads_as_a_pipe(site):
    assert "<code>--format text|json|latex|markdown|csv</code>" in article(site, ".")


def test_every_built_in_has_a_gallery_page(site):
    index = article(site, "gallery")
    for name in symcount.builtins():
        assert f'href="{name}/"' in index, name
        page = article(site, f"gallery/{name}")
        cell = symcount.builtin(name)
        text = html.unescape(page)
        assert str(cell.count) in text and str(cell.factored) in text, name
        assert r"\begin{align}" in text, name  # the equations, for MathJax to typeset
        assert page_source(page) == source(name).rstrip() + "\n", name


def page_source(page: str) -> str:
    """The text of the page's source block, without the highlighter's markup."""
    block = page[page.index('id="source"') :]
    code = block[block.index("<code>") + len("<code>") : block.index("</code>")]
    return html.unescape(re.sub(r"<[^>]+>", "", code))


def source(name: str) -> str:
    return (ROOT / "symcount" / "cells" / f"{name}.cell").read_text(encoding="utf-8")


def test_math_is_marked_for_mathjax_and_mathjax_is_loaded(site):
    page = article(site, "gallery/lstm")
    assert page.count('class="arithmatex"') > 10  # the count, the equations, the table's shapes
    assert r"\(n \times m\)" in page
    assert "mathjax" in (site / "gallery" / "lstm" / "index.html").read_text(encoding="utf-8").lower()


def test_cell_files_are_highlighted_once_the_lexer_is_installed(site):
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        get_lexer_by_name("symcount")
    except ClassNotFound:
        pytest.skip("no Pygments lexer named symcount is installed")
    page = article(site, "gallery/lstm")
    code = page[page.index('id="source"') :]
    assert '<span class="k' in code[: code.index("</code>")]  # `cell`, `input`, ... as keywords


def test_github_table_pipes_become_plain_in_code_spans_only():
    pytest.importorskip("mkdocs")
    hooks = doc_script("site_hooks")
    rows = "| `a\\|b` | c\\|d |\n```\n| `e\\|f` |\n```\n`g\\|h`"
    assert hooks.table_pipes(rows) == "| `a|b` | c\\|d |\n```\n| `e\\|f` |\n```\n`g\\|h`"
