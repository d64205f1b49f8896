"""Writer settings: declared once per writer (render/settings.py), merged with
their defaults, unknown ones refused; the command line and `Cell.latex` read
the declaration instead of repeating it."""

import doctest
import importlib
import inspect

import pytest

import symcount
from symcount.render import FORMATS, Report, render, settings
from symcount.render.settings import LATEX, PLOT, Setting, Settings

cli_main = importlib.import_module("symcount.cli.main")  # `symcount.cli.main` is also its function

EVERY_LATEX_SETTING = "form, equations, params, standalone, only, label_prefix, number_lines, width"


@pytest.fixture(scope="module")
def reports():
    return [Report(symcount.builtin("lstm").summary, {"m": 3, "n": 2})]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_refuses_a_setting_it_does_not_take(reports, fmt):
    takes = EVERY_LATEX_SETTING if fmt == "latex" else "none"
    message = f"unknown setting 'colour' for the {fmt} writer; it takes {takes}$"
    with pytest.raises(ValueError, match=message):
        render(fmt, reports, colour="red")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_form_is_a_latex_setting_only(reports, fmt):
    with pytest.raises(ValueError, match=f"unknown setting 'form' for the {fmt} writer"):
        render(fmt, reports, form="factored")


def test_a_value_outside_the_choices_is_refused(reports):
    with pytest.raises(ValueError, match="^form must be 'expanded' or 'factored', got 'pretty'$"):
        render("latex", reports, form="pretty")


def test_unset_settings_take_the_declared_defaults(reports):
    defaults = {s.name: s.default for s in LATEX}
    assert render("latex", reports) == render("latex", reports, **defaults)
    factored = render("latex", reports, form="factored")
    assert factored == render("latex", reports, **{**defaults, "form": "factored"})
    assert factored != render("latex", reports)


def test_choices_are_listed_in_the_message():
    three = Settings("w", Setting("size", "s", "", ("s", "m", "l")))
    with pytest.raises(ValueError, match="^size must be 's', 'm' or 'l', got 'xl'$"):
        three.merged({"size": "xl"})
    one = Settings("w", Setting("size", "s", "", ("s",)))
    with pytest.raises(ValueError, match="^size must be 's', got 'm'$"):
        one.merged({"size": "m"})


# ---- the API reads the declaration ----


def test_cell_latex_defaults_are_the_declared_ones():
    parameters = inspect.signature(symcount.Cell.latex).parameters
    assert {s.name: parameters[s.name].default for s in LATEX} == {s.name: s.default for s in LATEX}
    assert list(parameters) == ["self", *(s.name for s in LATEX), "sizes"]


def test_cell_latex_keeps_its_messages():
    cell = symcount.builtin("lstm")
    with pytest.raises(ValueError, match="^form must be 'expanded' or 'factored', got 'pretty'$"):
        cell.latex(form="pretty")
    with pytest.raises(ValueError, match="^sizes must be among m, n, got k$"):
        cell.latex(sizes={"k": 3})
    with pytest.raises(ValueError, match="^form must be"):  # the form is named first
        cell.latex(form="pretty", sizes={"k": 3})


# ---- the command line reads the declaration ----


@pytest.mark.parametrize(("command", "declared"), [("latex", LATEX), ("plot", PLOT)])
def test_each_setting_is_a_flag_with_the_declared_default(command, declared):
    parser = cli_main.build_parser()
    argv = [command, "lstm"] + (["--vary", "n=1:2", "-o", "x.png"] if command == "plot" else [])
    args = parser.parse_args(argv)
    assert {s.name: getattr(args, s.name) for s in declared} == {s.name: s.default for s in declared}
    flags = [s.flag for s in declared if s.default is False]
    args = parser.parse_args(argv + flags)
    assert all(getattr(args, s.name) is True for s in declared if s.default is False)


def test_a_choice_flag_offers_the_declared_choices(capsys):
    with pytest.raises(SystemExit) as raised:
        cli_main.main(["latex", "lstm", "--form", "pretty"])
    err = capsys.readouterr().err
    assert raised.value.code == 2 and "argument --form: invalid choice: 'pretty'" in err
    assert all(choice in err for choice in LATEX["form"].choices)


def test_every_command_has_its_own_arguments():
    parser = cli_main.build_parser()
    [subparsers] = [a for a in parser._actions if a.dest == "command"]
    assert list(subparsers.choices) == list(cli_main.COMMANDS)
    for name, command in cli_main.COMMANDS.items():
        assert subparsers.choices[name].description == command.description


def test_plot_refuses_a_setting_it_does_not_take():
    pytest.importorskip("matplotlib")
    from symcount.render import plot

    with pytest.raises(ValueError, match="unknown setting 'form' for the plot writer; it takes log, size, dpi, title$"):
        plot.figure([Report(symcount.builtin("lstm").summary, {"m": 3})], "n", 1, 4, form="factored")


def test_docstring_examples():
    result = doctest.testmod(settings)
    assert result.failed == 0 and result.attempted > 0
