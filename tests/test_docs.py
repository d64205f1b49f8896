"""The documentation (README.md and docs/*.md) says what the tool does.

Every `$ symcount ...` transcript prints what it shows, every cell shown
loads, the Python examples run, the tables of conventions and of functions
are the tool's, every link between the pages lands on a heading, and every
citation of a page in the code names a page and a heading that exist.
"""

import contextlib
import doctest
import importlib.util
import io
import re
import shlex
from pathlib import Path

import pytest

import symcount
from conftest import doc_script
from symcount import cli
from symcount.functions import TABLE

pages = doc_script("pages")
ROOT = pages.ROOT
PAGES = ["README.md", *sorted(path.name for path in (ROOT / "docs").glob("*.md"))]

def test_readme_convention_table_is_the_tools_output():
    conventions = doc_script("conventions")
    assert conventions.current() == conventions.table()


# ---- transcripts: `$ cat FILE` gives a file, `$ symcount ...` what it prints ----


def _transcripts():
    for page in PAGES:
        files: dict[str, str] = {}  # a file shown earlier on the page is there for later commands
        for number, (info, block) in enumerate(pages.blocks(page), 1):
            if info == "" and block.startswith("$ "):
                slow = "$ symcount verify" in block  # builds the framework layers
                marks = [pytest.mark.slow] if slow else []
                yield pytest.param(block, dict(files), id=f"{page}-{number}", marks=marks)
                files.update(shown_files(block))


def shown_files(block: str) -> dict[str, str]:
    return {
        command[4:]: "".join(line + "\n" for line in shown)
        for command, shown in steps(block)
        if command.startswith("cat ")
    }


def steps(block: str) -> list[tuple[str, list[str]]]:
    """A transcript as (command, the lines shown after it) pairs."""
    out: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            out[-1][1].append(line)
    return out


def shows(shown: list[str], printed: str) -> bool:
    """Whether the lines shown are what was printed; a line `...` stands for any lines."""
    pattern = "".join(
        r"(?:.*\n)*?" if line.strip() == "..." else re.escape(line.rstrip()) + r"\n" for line in shown
    )
    text = "".join(line.rstrip() + "\n" for line in printed.splitlines())
    return re.fullmatch(pattern, text) is not None


def run_symcount(command: str) -> str:
    """What `symcount ARGS [| head -N]` prints, stderr first (warnings come before output)."""
    command, _, pipe = command.partition(" | ")
    argv = shlex.split(command)
    assert argv[0] == "symcount", command
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        cli.main(argv[1:])
    printed = err.getvalue() + out.getvalue()
    if pipe:
        head = re.fullmatch(r"head -(\d+)", pipe.strip())
        assert head, pipe
        printed = "".join(printed.splitlines(keepends=True)[: int(head.group(1))])
    return printed


@pytest.mark.parametrize(("block", "files"), _transcripts())
def test_transcript_prints_what_it_shows(block, files, tmp_path, monkeypatch):
    if "$ symcount verify" in block and not all(map(importlib.util.find_spec, ("torch", "keras"))):
        pytest.skip("symcount verify needs torch and keras")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        Path(name).write_text(text, encoding="utf-8")
    for command, shown in steps(block):
        if command.startswith("cat "):
            Path(command[4:]).write_text("".join(line + "\n" for line in shown), encoding="utf-8")
        else:
            printed = run_symcount(command)
            assert shows(shown, printed), f"$ {command}\n{printed}"


def test_a_transcript_that_differs_fails():
    printed = "lstm(m, n)\n  count     4*m*n\n  value     48\n"
    assert shows(["lstm(m, n)", "..."], printed)
    assert shows(["...", "  value     48"], printed)
    assert not shows(["lstm(m, n)", "  value     48"], printed)
    assert not shows(["lstm(m, n)", "  count     4*n", "..."], printed)


# ---- cells and Python examples ----


def _cells():
    for page in PAGES:
        for number, (info, block) in enumerate(pages.blocks(page), 1):
            if info == "" and re.match(r"(#.*\n)*cell ", block):
                yield pytest.param(block, id=f"{page}-{number}")


@pytest.mark.parametrize("block", _cells())
def test_every_cell_shown_loads_without_warnings(block):
    cells = symcount.loads(block)
    assert cells and all(cell.warnings == () for cell in cells)


def test_the_api_examples_run():
    examples = "\n".join(text for info, text in pages.blocks("api.md") if info == "pycon")
    test = doctest.DocTestParser().get_doctest(examples, {}, "api.md", "docs/api.md", 0)
    assert len(test.examples) > 30
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=lambda text: None)
    assert runner.failures == 0, "python -m doctest shows them: see docs/api.md"


# ---- the reference tables are the tool's ----


def test_the_functions_table_is_the_tools():
    # docs/language.md, "Functions": one row per function of functions.TABLE,
    # with its category and the forms it may be called in.
    rows = re.findall(r"^\| (`.*?) \| (\w+) \|", pages.section("language.md", "Functions"), re.M)
    documented = {}
    for forms, category in rows:
        calls = re.findall(r"`(\w+)\(([^`]*)\)`", forms)
        arities = {len(arguments.split(",")) for _, arguments in calls}
        [name] = {name for name, _ in calls}
        documented[name] = (category, min(arities), max(arities))
    assert documented == {
        name: (f.category.value, f.min_args, f.max_args) for name, f in TABLE.items()
    }


def test_the_cost_table_is_the_tools():
    # docs/costs.md, "Activations and normalisations": one row per elementwise function
    # and normalisation of functions.TABLE, with the FLOPs per entry the cost stage uses.
    section = pages.section("costs.md", "Activations and normalisations")
    documented = {name: int(flops) for name, flops in re.findall(r"^\| `(\w+)` \| (\d+) \|", section, re.M)}
    priced = ("elementwise", "normalisation")
    assert documented == {name: f.flops for name, f in TABLE.items() if f.category.value in priced}


# ---- links between the pages and citations of them in the code ----

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page: str) -> set[str]:
    return {pages.anchor(heading) for heading in pages.headings(page)}


def _links():
    for page in PAGES:
        for target in LINK.findall(pages.read(page)):
            if not target.startswith(("http://", "https://")):
                yield pytest.param(page, target, id=f"{page}:{target}")


@pytest.mark.parametrize(("page", "target"), _links())
def test_every_link_lands(page, target):
    here = pages.path(page).parent
    file, _, anchor = target.partition("#")
    path = (here / file).resolve() if file else pages.path(page)
    assert path.exists(), target
    if anchor:
        name = "README.md" if path == ROOT / "README.md" else path.name
        assert anchor in anchors(name), target


# `docs/language.md`, `docs/language.md#shape-inference` or
# `docs/language.md, "Shape inference"` (the quote may follow on the next comment line).
CITATION = re.compile(r'docs/([\w.-]+\.md)(?:#([\w-]+)|,\s*(?:#\s*)?"([^"\n]+)")?')


def citation_problems(text: str) -> list[str]:
    problems = []
    for match in CITATION.finditer(text):
        page, anchor, heading = match.groups()
        if not (ROOT / "docs" / page).exists():
            problems.append(f"no page docs/{page}")
        elif anchor and anchor not in anchors(page):
            problems.append(f"docs/{page} has no heading with the anchor #{anchor}")
        elif heading and heading not in pages.headings(page):
            problems.append(f'docs/{page} has no heading "{heading}"')
    return problems


def test_citations_in_the_code_name_pages_and_headings_that_exist():
    sources = [*(ROOT / "symcount").rglob("*.py"), *(ROOT / "symcount").rglob("*.cell")]
    found = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sources}
    assert any(CITATION.search(text) for text in found.values())
    problems = [f"{name}: {problem}" for name, text in found.items() for problem in citation_problems(text)]
    assert problems == []


def test_a_citation_of_a_missing_page_or_heading_is_found():
    assert citation_problems('# see docs/language.md, "Shape inference" and docs/cli.md#exit-status') == []
    assert citation_problems('"""(docs/language.md,\n    "Functions") lists them."""') == []
    assert citation_problems("# docs/nowhere.md") == ["no page docs/nowhere.md"]
    assert citation_problems('# docs/language.md, "Shapes of things"') == [
        'docs/language.md has no heading "Shapes of things"'
    ]
    assert citation_problems("# docs/json.md#no-such-key") == [
        "docs/json.md has no heading with the anchor #no-such-key"
    ]
