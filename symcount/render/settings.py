"""What each writer can be asked for: its settings and their defaults, declared once.

As sympy's printers declare `_default_settings`: a writer takes exactly the
settings of its declaration (its `SETTINGS`), each defaulting as declared,
and anything else is a ValueError naming the setting and the ones there are.
The command line makes a flag of each setting (`symcount latex --form`) and
`Cell.latex` takes its defaults and choices from here, so neither repeats them.

The declarations live here, not beside their writers, because the command
line reads them to build its parser and the writers load sympy, which
`symcount --help` must not (tests/test_startup.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple


class Setting(NamedTuple):
    name: str  # the command line's flag is `--NAME` with `-` for `_`
    # A bool is a switch, off by default; None: unset unless given (`--only`).
    default: bool | str | None
    help: str  # as `--help` gives it
    choices: tuple[str, ...] = ()  # the values it takes; any value when empty
    # For a value without choices: what it must look like, as a function that
    # raises ValueError with the reason (the command line's type for the flag).
    check: Callable[[str], object] | None = None
    metavar: str | None = None  # the value's name in `--help`

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


class Settings:
    """The settings of one writer, in the order the command line lists them."""

    def __init__(self, writer: str, *settings: Setting) -> None:
        self.writer = writer
        self._by_name = {s.name: s for s in settings}

    def __iter__(self) -> Iterator[Setting]:
        return iter(self._by_name.values())

    def __getitem__(self, name: str) -> Setting:
        return self._by_name[name]

    def merged(self, given: Mapping[str, object]) -> dict[str, object]:
        """The defaults with `given` over them; a setting the writer does not
        take, a value outside a setting's choices or one its check refuses is a
        ValueError.

        >>> LATEX.merged({"form": "factored"})["form"], LATEX.merged({})["equations"]
        ('factored', False)
        >>> LATEX.merged({"colour": "red"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unknown setting 'colour' for the latex writer; it takes form, equations, params, ...
        """
        for name, value in given.items():
            setting = self._by_name.get(name)
            if setting is None:
                takes = ", ".join(self._by_name) or "none"
                raise ValueError(f"unknown setting {name!r} for the {self.writer} writer; it takes {takes}")
            if setting.choices and value not in (*setting.choices, setting.default):
                *others, last = map(repr, setting.choices)
                either = f"{', '.join(others)} or {last}" if others else last
                raise ValueError(f"{name} must be {either}, got {value!r}")
            if setting.check is not None:
                setting.check(value)
        return {**{s.name: s.default for s in self}, **given}


# TeX's units of length, in points (TeXbook, chapter 10).
UNITS = {"pt": 1.0, "bp": 72.27 / 72, "in": 72.27, "cm": 72.27 / 2.54, "mm": 72.27 / 25.4, "pc": 12.0}
_LENGTH = re.compile(r"(\d{1,4}(?:\.\d{0,4})?|\.\d{1,4})\s*(pt|bp|in|cm|mm|pc)")
NARROWEST = 72.27  # points: a column narrower than an inch holds no formula


def points(length: str) -> float:
    """A TeX length such as `3.3in` or `252pt`, in points (a ValueError when it is none).

    >>> round(points("3.3in"), 2), points("252pt"), round(points("8.4cm"), 2)
    (238.49, 252.0, 239.0)
    """
    match = _LENGTH.fullmatch(length.strip()) if isinstance(length, str) else None
    if match is None:
        raise ValueError(f"width must be a length such as 3.3in, 252pt or 8.4cm, got {length!r}")
    value = float(match[1]) * UNITS[match[2]]
    if value < NARROWEST:
        raise ValueError(f"width must be at least 1in (72.27pt), got {length!r}")
    return value


# What a label may hold: `\label` and `\ref` read their argument as it is, and
# `\cref` splits a list at commas; these characters are safe in all three.
LABEL_CHARACTERS = re.compile(r"[A-Za-z0-9:._/+-]*")


def label_prefix(prefix: str) -> str:
    r"""A prefix for `\label`s, checked: letters, digits and `: . _ / + -` only."""
    if not isinstance(prefix, str) or not LABEL_CHARACTERS.fullmatch(prefix):
        raise ValueError(
            f"label prefix must be letters, digits and ':._/+-' only, got {prefix!r}"
        )
    return prefix


# The pieces `--only` prints alone (docs/latex.md, "Pieces and labels").
PIECES = ("table", "count", "equations", "params", "cost")

LATEX = Settings(
    "latex",
    Setting("form", "expanded", "how to write the count", ("expanded", "factored")),
    Setting("equations", False, "add the cell's equations as an align block"),
    Setting("params", False, "add a table of parameters with the total"),
    Setting("standalone", False, "a complete document for pdflatex"),
    Setting(
        "only",
        None,
        "print this piece alone: the comparison table, the counts, the equations, "
        "the parameter tables or the cost tables",
        PIECES,
    ),
    Setting(
        "label_prefix",
        "symcount:",
        "what every \\label starts with (default: symcount:)",
        check=label_prefix,
        metavar="PREFIX",
    ),
    Setting("number_lines", False, "number every line of the equations, not each block once"),
    Setting(
        "width",
        "3.3in",
        "the column width long formulas and tables are broken to fit (default: 3.3in, one "
        "column of a two-column paper)",
        check=points,
        metavar="LENGTH",
    ),
)

PLOT = Settings("plot", Setting("log", False, "logarithmic axes"))
