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

import math
import re
import reprlib
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple


class Setting(NamedTuple):
    name: str  # the command line's flag is `--NAME` with `-` for `_`
    # A bool is a switch, off by default; None: unset unless given (`--only`).
    default: object
    help: str  # as `--help` gives it
    choices: tuple[str, ...] = ()  # the values it takes; any value when empty
    # A flag that takes a value other than a choice: the function that reads it,
    # from the command line's text or from the value a caller passes, raising
    # ValueError with what is wrong; and how `--help` names the value.
    parse: Callable[[object], object] | None = None
    metavar: str | None = None

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
        values = {s.name: s.default for s in self}
        for name, value in given.items():
            setting = self._by_name.get(name)
            if setting is None:
                takes = ", ".join(self._by_name) or "none"
                raise ValueError(f"unknown setting {name!r} for the {self.writer} writer; it takes {takes}")
            if setting.choices and value not in (*setting.choices, setting.default):
                *others, last = map(repr, setting.choices)
                either = f"{', '.join(others)} or {last}" if others else last
                raise ValueError(f"{name} must be {either}, got {value!r}")
            values[name] = setting.parse(value) if setting.parse else value
        return values


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


def length(value: object) -> str:
    """A TeX length as written (`3.3in`), once `points` has read it."""
    points(value)
    return value.strip()


def label_prefix(prefix: str) -> str:
    r"""A prefix for `\label`s, checked: letters, digits and `: . _ / + -` only."""
    if not isinstance(prefix, str) or not LABEL_CHARACTERS.fullmatch(prefix):
        raise ValueError(
            f"label prefix must be letters, digits and ':._/+-' only, got {prefix!r}"
        )
    return prefix


# The pieces `--only` prints alone (docs/latex.md, "Pieces and labels").
PIECES = ("table", "count", "equations", "components", "params", "cost")

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
        "a model's table of components, the parameter tables or the cost tables",
        PIECES,
    ),
    Setting(
        "label_prefix",
        "symcount:",
        "what every \\label starts with (default: symcount:)",
        parse=label_prefix,
        metavar="PREFIX",
    ),
    Setting("number_lines", False, "number every line of the equations, not each block once"),
    Setting(
        "width",
        "3.3in",
        "the column width long formulas and tables are broken to fit (default: 3.3in, one "
        "column of a two-column paper)",
        parse=length,
        metavar="LENGTH",
    ),
)


# The files `symcount plot -o` writes, by extension, in the order messages list them.
PLOT_FILES = {".pdf": "pdf", ".eps": "eps", ".ps": "ps", ".svg": "svg", ".png": "png"}

# A figure for one column of a two-column paper (3.3 in wide), as a PDF
# drawn at that size shows it; PNG pixels per inch as a printer would want.
FIGURE_SIZE = (3.3, 2.4)
DPI = 300
MIN_INCHES, MAX_INCHES = 0.5, 50
MIN_DPI, MAX_DPI = 10, 1200


def figure_size(value: object) -> tuple[float, float]:
    """Width and height in inches, from `W,H` or a pair of numbers.

    >>> figure_size("7,4.5"), figure_size((3.3, 2))
    ((7.0, 4.5), (3.3, 2.0))
    >>> figure_size("3.3")
    Traceback (most recent call last):
    ...
    ValueError: size must be W,H in inches, such as 3.3,2.4; got '3.3'
    """
    texts = value.split(",") if isinstance(value, str) else value
    try:
        width, height = (float(t) for t in texts)
    except (TypeError, ValueError):
        message = "size must be W,H in inches, such as 3.3,2.4"
        raise ValueError(f"{message}; got {reprlib.repr(value)}") from None
    if not all(math.isfinite(v) and MIN_INCHES <= v <= MAX_INCHES for v in (width, height)):
        message = f"size must be between {MIN_INCHES} and {MAX_INCHES} inches each way"
        raise ValueError(f"{message}, got {reprlib.repr(value)}")
    return width, height


def dots_per_inch(value: object) -> int:
    """PNG pixels per inch: a whole number from MIN_DPI to MAX_DPI.

    >>> dots_per_inch("600"), dots_per_inch(72)
    (600, 72)
    """
    try:
        dpi = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    except ValueError:
        dpi = None
    if dpi is None or not MIN_DPI <= dpi <= MAX_DPI:
        message = f"dpi must be a whole number from {MIN_DPI} to {MAX_DPI}"
        raise ValueError(f"{message}, got {reprlib.repr(value)}")
    return dpi


def text(value: object) -> str:
    """Text to draw: a str, all of it characters (not a shell's bytes that were
    not UTF-8, which Python keeps as lone surrogates and no font can draw)."""
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"expected text in UTF-8, got {ascii(value)}") from None
    return value


PLOT = Settings(
    "plot",
    Setting("log", False, "logarithmic axes"),
    Setting(
        "size", FIGURE_SIZE, "width and height in inches (default: 3.3,2.4, one column of a "
        "two-column paper)", parse=figure_size, metavar="W,H",
    ),
    Setting(
        "dpi", DPI, f"pixels per inch of a PNG (default: {DPI})", parse=dots_per_inch, metavar="N",
    ),
    Setting(
        "title", "", "a title above the plot (default: none; a paper's caption says it)",
        parse=text, metavar="TEXT",
    ),
)  # fmt: skip
