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

from collections.abc import Iterator, Mapping
from typing import NamedTuple


class Setting(NamedTuple):
    name: str
    default: bool | str  # a bool is a switch, off by default: the command line's `--NAME`
    help: str  # as `--help` gives it
    choices: tuple[str, ...] = ()  # the values it takes; any value when empty


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
        take, or a value outside a setting's choices, is a ValueError.

        >>> LATEX.merged({"form": "factored"})["form"], LATEX.merged({})["equations"]
        ('factored', False)
        >>> LATEX.merged({"colour": "red"})
        Traceback (most recent call last):
        ...
        ValueError: unknown setting 'colour' for the latex writer; it takes form, equations, params, standalone
        """
        for name, value in given.items():
            setting = self._by_name.get(name)
            if setting is None:
                takes = ", ".join(self._by_name) or "none"
                raise ValueError(f"unknown setting {name!r} for the {self.writer} writer; it takes {takes}")
            if setting.choices and value not in setting.choices:
                *others, last = map(repr, setting.choices)
                either = f"{', '.join(others)} or {last}" if others else last
                raise ValueError(f"{name} must be {either}, got {value!r}")
        return {**{s.name: s.default for s in self}, **given}


LATEX = Settings(
    "latex",
    Setting("form", "expanded", "how to write the count", ("expanded", "factored")),
    Setting("equations", False, "add the cell's equations as an align block"),
    Setting("params", False, "add a table of parameters with the total"),
    Setting("standalone", False, "a complete document for pdflatex"),
)

PLOT = Settings("plot", Setting("log", False, "logarithmic axes"))
