r"""LaTeX pieces every format that writes LaTeX shares: names, numbers, escapes.

How a name of the cell prints as a symbol (`symbol`: `W_hi` is `W_{hi}`,
`h` at the previous step `h_{t-1}`, `alpha` is `\alpha`), how a number and
a size of the cell language print (`latex_number`, `LatexSizes`), and how
text is made safe inside math (`escape_math`) and in running text
(`escape_text`). The equation printer, the LaTeX output, the Markdown output
and the notebook all use them.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from .. import ir
from ..functions import TABLE
from ..shapes.sizes import SizePrinter

if TYPE_CHECKING:  # sympy is loaded only where a formula is printed
    import sympy

GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon phi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)

# A subscript naming an accent puts it on the base: `h_tilde` is \tilde{h}.
ACCENTS = frozenset("tilde hat bar dot ddot vec check breve".split())

# A subscript naming a function that LaTeX sets as an operator of its own is
# that operator (`A_log` is A_{\log}): the built-ins papers write `\log`, `\exp`,
# `\max`, ... (the `latex` column of `functions.TABLE`).
OPERATORS = frozenset(name for name, function in TABLE.items() if function.latex == "\\" + name)


def symbol(
    name: str,
    step: str | None = None,
    variables: Collection[str] = (),
    indexed: Collection[str] = (),
) -> str:
    r"""A name in paper notation, with an optional time step in its subscript.

    The name splits at its first underscore into a base and a subscript. A
    subscript that spells names of the cell's own `variables` (inputs,
    states, gates) stays those names: `W_xi` is the weight from x to i. Only
    where that reading is impossible is a Greek letter's name Greek, an
    accent's name an accent on the base, and an operator's name the operator;
    any other subscript of several letters is a word, set upright, except
    two letters under a base in `indexed` (see `index_bases`).

    >>> symbol("W_in"), symbol("W_xi", variables={"x", "i"}), symbol("W_xi"), symbol("A_log")
    ('W_{\\mathrm{in}}', 'W_{xi}', 'W_{\\xi}', 'A_{\\log}')
    >>> symbol("h", "t-1"), symbol("x", "t"), symbol("c_f", "t"), symbol("W_in", indexed={"W"})
    ('h_{t-1}', 'x_t', 'c_{f,t}', 'W_{in}')
    >>> symbol("alpha"), symbol("W_beta"), symbol("bias"), symbol("h_tilde", "t")
    ('\\alpha', 'W_{\\beta}', '\\mathit{bias}', '\\tilde{h}_t')
    """
    base, _, sub = name.partition("_")
    if not base or not sub:  # `_x`, `x_`: no sensible split
        base, sub = name, ""
    text = _piece(base)
    subscripts = []
    if sub:
        reading = own_names(sub, variables)
        if reading is None and sub in ACCENTS:
            return with_step(rf"\{sub}{{{text}}}", step)
        if reading is not None:
            subscripts.append(_spelled(reading))
        else:
            letters = base in indexed and len(sub) == 2 and sub.isalpha() and sub not in GREEK
            subscripts.append(escape_math(sub) if letters else _subscript(sub))
    if step:
        subscripts.append(step)
    if not subscripts:
        return text
    joined = ",".join(subscripts)
    # `x_t` as papers write it, but `W_{i}` (braced) for a name's own subscript.
    return f"{text}_{joined}" if joined == step and len(step) == 1 else f"{text}_{{{joined}}}"


def own_names(text: str, variables: Collection[str]) -> list[str] | None:
    """`text` spelled as names of `variables`, the fewest that do; None if none do.

    >>> own_names("xi", {"x", "i", "xi"}), own_names("hc", {"h", "c"}), own_names("beta", {"b"})
    (['xi'], ['h', 'c'], None)
    """
    variables = variables if isinstance(variables, frozenset) else frozenset(variables)
    # Breadth first over positions in the text: the first way to reach the
    # end uses the fewest names. Trying only the lengths the names have keeps
    # it fast for a cell of 5,000 gates and for 3,000-character names.
    previous: dict[int, tuple[int, str]] = {}
    frontier = [0]
    while frontier and len(text) not in previous:
        following = []
        for start in frontier:
            for length in _lengths(variables):
                end = start + length
                if end > len(text):
                    break
                if end not in previous and text[start:end] in variables:
                    previous[end] = (start, text[start:end])
                    following.append(end)
        frontier = following
    if len(text) not in previous:
        return None
    names, at = [], len(text)
    while at:
        at, name = previous[at]
        names.append(name)
    return names[::-1]


@lru_cache(maxsize=8)
def _lengths(variables: frozenset[str]) -> tuple[int, ...]:
    return tuple(sorted({len(name) for name in variables if name}))


def _piece(text: str) -> str:
    """A whole name or a base: Greek letters; several letters are one symbol."""
    if text in GREEK:
        return "\\" + text
    if len(text) == 1:
        return escape_math(text)
    # A multi-letter name is one symbol, not a product of letters.
    return rf"\mathit{{{escape_math(text)}}}"


def _subscript(text: str) -> str:
    r"""A subscript that is not index letters: Greek (`\beta`), an operator (`\log`),
    a word of several letters upright (`\mathrm{in}`), else as it is (`i`, `h1`)."""
    if text in GREEK or text in OPERATORS:
        return "\\" + text
    if sum(c.isalpha() for c in text) > 1:
        return rf"\mathrm{{{escape_math(text)}}}"
    return escape_math(text)


def index_bases(names: Collection[str], variables: Collection[str]) -> frozenset[str]:
    """The bases whose two-letter subscripts are index letters rather than words.

    PyTorch writes the weights of its GRU `W_ir`, `W_iz`, `W_in`: i for the
    input, then the gate. A base is read this way when some name under it has
    a two-letter subscript with a letter that is one of the cell's variables
    (the gate r of `W_ir`); then `W_in` is the letters i and n too, not the
    word "in" that Mamba's `W_in` is.

    >>> sorted(index_bases({"W_ir", "W_in", "b_in", "A_log", "D_skip"}, {"x", "r", "h"}))
    ['W']
    """
    letters = {name for name in variables if len(name) == 1}
    found = set()
    for name in names:
        base, _, sub = name.partition("_")
        if base and len(sub) == 2 and sub.isalpha() and letters & set(sub):
            found.add(base)
    return frozenset(found)


def _spelled(names: list[str]) -> str:
    """Variables in a subscript, each as its own name prints there (`eta` is \\eta,
    `out` a word upright)."""
    out, command = "", False
    for name in names:
        piece = _subscript(name)
        if command and piece[:1].isalpha():
            out += " "  # `\eta x`, not the undefined `\etax`
        out, command = out + piece, piece.startswith("\\")
    return out


def with_step(text: str, step: str | None) -> str:
    r"""LaTeX (an override) with a time step added to its subscript.

    A step joins a subscript that ends the text, as `c_f` becomes `c_{f,t}`;
    with no subscript the step is one; elsewhere the text is braced first, so
    a subscript in the middle never makes a double subscript.

    >>> with_step(r"\tilde{h}", "t-1"), with_step("h_{enc}", "t"), with_step("h^{(1)}", "t")
    ('\\tilde{h}_{t-1}', 'h_{enc,t}', 'h^{(1)}_t')
    >>> with_step(r"h_\alpha^{(1)}", "t-1"), with_step("h_{a}b", "t")
    ('h_{\\alpha,t-1}^{(1)}', '{h_{a}b}_t')
    """
    if not step:
        return text
    tokens = _tex_tokens(text)
    subs = [i for i, (start, end) in enumerate(tokens) if text[start:end] == "_"]
    if subs and subs[-1] + 1 < len(tokens):
        after = [text[start:end] for start, end in tokens[subs[-1] + 2 :]]
        if len(subs) == 1 and (not after or (len(after) == 2 and after[0] == "^")):
            start, end = tokens[subs[-1] + 1]
            argument = text[start + 1 : end - 1] if text[start] == "{" else text[start:end]
            return f"{text[: tokens[subs[-1]][0]]}_{{{argument},{step}}}{text[end:]}"
    braced = step if len(step) == 1 else f"{{{step}}}"
    if subs:
        return f"{{{text}}}_{braced}"
    return f"{text}_{braced}"


def has_superscript(text: str) -> bool:
    """Whether LaTeX has a superscript at its top level (`h^{(1)}_t`), where
    another would be a double superscript."""
    return any(text[start:end] == "^" for start, end in _tex_tokens(text))


def _tex_tokens(text: str) -> list[tuple[int, int]]:
    """The top-level pieces of LaTeX as (start, end): a command, a {group} or a character."""
    tokens, index = [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        start = index
        if text[index] == "\\":
            index += 1
            while index < len(text) and text[index].isascii() and text[index].isalpha():
                index += 1
            index = max(index, start + 2)  # `\{`: one character
        elif text[index] == "{":
            index = _group_end(text, index)
        else:
            index += 1
        tokens.append((start, min(index, len(text))))
    return tokens


# ---- sizes and formulas in them ----


@lru_cache(maxsize=1024)
def size_name(name: str) -> str:
    r"""A size symbol as sympy prints it, except that several letters are one symbol.

    sympy writes `rows` as four letters side by side, which reads as the
    product r·o·w·s; the base of such a name is set as one word instead.

    A subscript that is a word is upright, as in the names of the cell (`symbol`).

    >>> size_name("n"), size_name("rows"), size_name("d_model"), size_name("alpha"), size_name("n1")
    ('n', '\\mathit{rows}', 'd_{\\mathrm{model}}', '\\alpha', 'n_{1}')
    """
    import sympy
    from sympy.printing.conventions import split_super_sub

    from ..symbols import size_symbol

    text = sympy.latex(size_symbol(name))
    base, supers, subs = split_super_sub(name)
    if len(base) > 1 and text.startswith(base):  # sympy kept the letters as they are
        text = rf"\mathit{{{base}}}" + text[len(base) :]
    written = f"_{{{subs[-1]}}}" if subs else ""
    if not supers and len(subs) == 1 and text.endswith(written):  # `d_{model}`, as sympy wrote it
        text = text[: -len(written)] + f"_{{{_subscript(subs[0])}}}"
    return text


def math(expr: sympy.Expr, grouped: bool = False) -> str:
    r"""A formula in sizes as LaTeX: sympy's, with `size_name` for every symbol.

    A product is a space between factors, which LaTeX does not show: `\mathit{hd}`
    beside `\mathit{rows}` would read `hdrows`. With such names the factors are
    set a thin space apart. `grouped` sets a large integer as `1{,}024` (the
    LaTeX output's numbers; Markdown keeps `1024`).

    >>> from symcount.symbols import size_symbol
    >>> math(2 * size_symbol("rows") * size_symbol("n")), math(2 * size_symbol("n"))
    ('2\\,n\\,\\mathit{rows}', '2 n')
    >>> math(4096 * size_symbol("n") + 1000, grouped=True)
    '4{,}096 n + 1{,}000'
    """
    import sympy

    names = {s: size_name(s.name) for s in expr.free_symbols}
    renamed = {s: text for s, text in names.items() if text != sympy.latex(s)}
    settings = {"symbol_names": renamed, "mul_symbol": r"\,"} if renamed else {}
    if not grouped:
        return sympy.latex(expr, **settings)
    return _grouping_printer()(settings).doprint(expr)


@lru_cache(maxsize=1)
def _grouping_printer() -> type:
    """sympy's LaTeX printer, with thousands grouped in integers (made once, on first use)."""
    from sympy.printing.latex import LatexPrinter

    class Grouping(LatexPrinter):
        def _print_Integer(self, expr: sympy.Integer) -> str:
            return thousands(int(expr), math=True)

    return Grouping


class LatexSizes(SizePrinter):
    r"""A size as the cell writes it, in LaTeX and in the order written.

    The cell language's size printer, overriding what LaTeX writes apart:
    names as in the counts (`size_name`), `\left\lceil \right\rceil`, `/`
    unspaced, and a product as juxtaposition, which binds tighter than `/`.

    >>> from symcount import ir, syntax
    >>> [cell] = syntax.parse(ir.Document("<doc>", "cell c(D, E, N)\n size R = ceil(D / 16)\n"
    ...     " size S = (E*D + N) / 2\n input x : D\n h' = x\nend\n"))
    >>> [size(d.definition) for d in cell.declarations[:2]]
    ['\\left\\lceil D/16 \\right\\rceil', '(E D + N)/2']
    """

    DIVIDE = "/"

    def visit_DimName(self, dim: ir.DimName) -> str:
        return size_name(dim.name)

    def visit_DimCall(self, dim: ir.DimCall) -> str:
        side = "ceil" if dim.func == "ceil" else "floor"
        return rf"\left\l{side} {self.visit(dim.arg)} \right\r{side}"

    def times(self, left: str, right: str) -> str:
        r"""`2 n`, `E D`, but `2 \cdot 3`: side by side, two numbers read as one."""
        return r" \cdot " if right[:1].isdigit() else juxtapose(left, right)

    def needs_parens(self, child: ir.Dim, parent: ir.Dim, index: int) -> bool:
        if isinstance(parent, ir.DimProduct):
            # Side by side, factors bind tighter than `/`: `(e/H) k`, but `a b c`.
            return isinstance(child, (ir.DimSum, ir.DimQuotient))
        if isinstance(parent, ir.DimQuotient) and index == 1:
            return isinstance(child, (ir.DimSum, ir.DimProduct, ir.DimQuotient))  # `e/(H k)`
        return super().needs_parens(child, parent, index)


size = LatexSizes().visit


_ENDS_WORD = re.compile(r"\\mathit\{[^{}]*\}$")


def juxtapose(left: str, right: str) -> str:
    r"""What goes between two factors set side by side: a space, which LaTeX does not
    show, or a thin space where a name of several letters would run into its
    neighbour (`W \mathit{xz}_t` reads Wxz).

    >>> juxtapose("W_{in}", "u_t"), juxtapose("W", r"\mathit{xz}_t"), juxtapose(r"\mathit{hd}", "x_t")
    (' ', '\\,', '\\,')
    """
    return r"\," if right.startswith(r"\mathit") or _ENDS_WORD.search(left) else " "


def definitions(sizes: Mapping[str, ir.Dim]) -> str:
    r"""Derived sizes with their definitions: `R = \left\lceil D/16 \right\rceil, \ d = e/H`."""
    return r", \ ".join(f"{size_name(name)} = {size(dim)}" for name, dim in sizes.items())


def escape_math(text: str) -> str:
    """A name inside math text (`\\mathrm{...}`, `\\operatorname{...}`); names are ASCII."""
    return text.replace("_", r"\_")


def latex_number(text: str) -> str:
    r"""A number of the cell language as papers write it.

    A number written with an exponent, or below 0.01, is a power of ten times
    a mantissa (`10^{-6}` alone when that is 1); any other as written.

    >>> latex_number("0.5"), latex_number(".5"), latex_number("2."), latex_number("0.000001")
    ('0.5', '0.5', '2', '10^{-6}')
    >>> latex_number("1e-5"), latex_number("2.5e-3"), latex_number("0.00025"), latex_number("1E+03")
    ('10^{-5}', '2.5 \\cdot 10^{-3}', '2.5 \\cdot 10^{-4}', '10^{3}')
    """
    written, _, exponent = text.lower().partition("e")
    whole, _, fraction = written.partition(".")
    mantissa = ("0" if written.startswith(".") else "") + written.rstrip(".")
    digits = (whole + fraction).lstrip("0")
    small = not whole.strip("0") and fraction.startswith("00")
    if not digits or not (exponent or small):
        return mantissa
    # `+03` → `3`, without int() past a few digits: Python refuses to convert more
    # than 4,300, and the language puts no bound on an exponent. Such a one keeps
    # the mantissa as written.
    power = exponent.lstrip("+-").lstrip("0") or "0"
    if exponent.startswith("-") and power != "0":
        power = "-" + power
    if len(power) <= 20:
        # The first significant digit is the mantissa's units: 0.00025 is 2.5 · 10^-4.
        power = str(int(power) - len(fraction) + len(digits) - 1)
        significant = digits.rstrip("0")
        mantissa = significant[0] + ("." + significant[1:] if len(significant) > 1 else "")
    if power == "0":
        return mantissa
    return f"10^{{{power}}}" if mantissa == "1" else rf"{mantissa} \cdot 10^{{{power}}}"


# ---- the cell's own name ----


def cell_math(cell: ir.CellDef) -> str:
    r"""The cell's name in math: its display name, else its identifier upright.

    >>> from symcount import builtin
    >>> cell_math(builtin("xlstm.mlstm_cell").ir)
    '\\mathrm{xlstm.mlstm\\_cell}'
    """
    return cell.display if cell.display is not None else rf"\mathrm{{{escape_math(cell.name)}}}"


def cell_text(cell: ir.CellDef) -> str:
    """The cell's name where there is no LaTeX: its display name as text
    (`plain_text`), else (none, or LaTeX with no such form) its identifier."""
    text = plain_text(cell.display) if cell.display is not None else None
    return cell.name if text is None else text


# Commands that only choose a font or a box: the text is their argument.
_FONTS = frozenset(
    "mathrm mathit mathbf mathsf mathtt mathnormal boldsymbol operatorname mbox "
    "text textrm textit textbf textsf texttt textup textnormal".split()
)
_SPACES = {r"\,": " ", r"\;": " ", r"\:": " ", r"\ ": " ", r"\!": "", r"\quad": " ", r"\qquad": " "}


def plain_text(latex: str) -> str | None:
    r"""A name's LaTeX as plain text, or None where it has a command with no such form.

    Font commands and braces go, Greek letters become letters and spacing
    commands spaces; `_` and `^` stay as they are.

    >>> plain_text(r"\mathrm{mLSTM}"), plain_text(r"\alpha\text{-RNN}"), plain_text(r"\mathrm{LSTM}_{\mathrm{p}}")
    ('mLSTM', 'α-RNN', 'LSTM_p')
    >>> plain_text(r"\widetilde{\mathrm{GRU}}") is None
    True
    """
    pieces = []
    for match in _COMMAND_OR_TEXT.finditer(latex):
        command, text = match.group(1) or match.group(2), match.group(3)
        piece = _command_text(command) if command else (text or "").replace("~", " ")
        if piece is None:
            return None
        pieces.append(piece)
    return " ".join("".join(pieces).split()) or None


# A command of letters (TeX drops the spaces after it) or of one character, text up
# to the next command or brace, or a brace.
_COMMAND_OR_TEXT = re.compile(r"(\\[A-Za-z]+) *|(\\.)|([^\\{}]+)|[{}]")


def _command_text(command: str) -> str | None:
    r"""What a command stands for in text: '' for a font, a Greek letter, a space,
    `_` for `\_`; None for any other."""
    name = command[1:]
    if name in _FONTS:
        return ""
    if command in _SPACES:
        return _SPACES[command]
    if name in GREEK:
        case = "CAPITAL" if name[0].isupper() else "SMALL"
        return unicodedata.lookup(f"GREEK {case} LETTER {name.upper().replace('LAMBDA', 'LAMDA')}")
    if len(name) == 1 and not name.isalnum():  # `\_`, `\&`, `\%`, `\#`, `\$`, `\{`
        return name
    return None


def thousands(value: int, math: bool = False) -> str:
    """50400 → '50,400' (in math mode `50{,}400`, so no space follows the comma)."""
    text = f"{value:,}"
    return text.replace(",", "{,}") if math else text


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}

# pdflatex's default (OT1) fonts have these, checked one by one; anything else
# outside ASCII would stop the run with "Unicode character not set up".
_LATIN = "".join(chr(c) for c in range(0xA0, 0x180))
_NOT_IN_OT1 = "«»ÐÞðþĄąĐđĘęĦħĮįĸĿŀŉŊŋŦŧŲųſ"
_TEXT_SAFE = frozenset(_LATIN) - frozenset(_NOT_IN_OT1) | frozenset("–—‘’“”…•→←")
_TEXT_STANDINS = {"«": r"\ensuremath{\ll}", "»": r"\ensuremath{\gg}", "ħ": r"\ensuremath{\hbar}"}


def escape_text(text: str) -> str:
    r"""Running text for LaTeX: special characters escaped, no character pdflatex lacks.

    Greek letters become math; an accent the fonts cannot set is dropped; a
    character with no stand-in at all (CJK, say) becomes `?`.

    >>> escape_text("keras.simple_rnn: 50% of W&B ~ σ")
    'keras.simple\\_rnn: 50\\% of W\\&B \\textasciitilde{} \\ensuremath{\\sigma}'
    """
    return "".join(_text_char(c) for c in text)


def _text_char(c: str) -> str:
    if c in _TEXT_ESCAPES:
        return _TEXT_ESCAPES[c]
    if c in _TEXT_STANDINS:
        return _TEXT_STANDINS[c]
    if c.isascii() or c in _TEXT_SAFE:
        return c if c.isprintable() else " "
    name = unicodedata.name(c, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        letter = name.rsplit(" ", 1)[-1].lower()
        letter = letter if "SMALL" in name else letter.capitalize()
        if letter in GREEK:
            return rf"\ensuremath{{\{letter}}}"
    plain = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
    return escape_text(plain) if plain else "?"


# ---- widths and line breaks (docs/latex.md, "Line breaking") ----
#
# A formula is broken to fit a column by an estimate of its typeset width, in
# points of Computer Modern at 10 pt (the widths below were measured with
# pdflatex's \settowidth). Papers set in Times or at 9 pt are narrower, so
# an estimate that fits Computer Modern fits them too.

def _by_letter(widths: str) -> dict[str, float]:
    """a-z, then A-Z: their widths, as listed."""
    return dict(zip(string.ascii_letters, map(float, widths.split()), strict=True))


# Math italic (cmmi10) and roman (cmr10) letters.
_ITALIC = _by_letter(
    "5.29 4.29 4.33 5.2 4.66 5.97 5.13 5.76 3.45 4.69 5.52 3.18 8.78"
    " 6.0 4.85 5.03 4.82 4.79 4.69 3.61 5.72 5.21 7.43 5.72 5.26 5.09"
    " 7.5 8.09 7.86 8.56 7.96 7.82 7.86 9.12 5.18 6.51 9.21 6.81 10.79"
    " 9.12 7.91 7.81 7.91 7.67 6.71 7.23 7.92 8.06 10.83 9.07 8.03 7.54"
)
_ROMAN = _by_letter(
    "5.0 5.56 4.44 5.56 4.44 3.06 5.0 5.56 2.78 3.06 5.28 2.78 8.33"
    " 5.56 5.0 5.56 5.28 3.92 3.94 3.89 5.56 5.28 7.22 5.28 5.28 4.44"
    " 7.5 7.08 7.22 7.64 6.81 6.53 7.85 7.5 3.61 5.14 7.78 6.25 9.17"
    " 7.5 7.78 6.81 7.78 7.36 5.56 7.22 7.5 7.64 10.42 7.5 7.5 6.11"
)
_ROMAN.update({d: 5.0 for d in "0123456789"})
_ROMAN.update({c: 2.78 for c in ",;:.!'[]|"})
_ROMAN.update({"(": 3.89, ")": 3.89, "/": 5.0, "-": 3.33, "?": 4.72, " ": 3.33, "+": 7.78, "=": 7.78})
_TYPEWRITER = 5.25  # every character of \texttt
_BINARY, _RELATION, _THIN = 4.44, 5.56, 1.67  # the spaces around + and =, and after a comma
_SCRIPT = 0.8  # a subscript's width for its base size (7 pt letters are wider than 0.7 of 10 pt)
_OPERATORS = frozenset("+ - \\odot \\times \\cdot \\pm \\mp \\circ \\cup \\cap \\oplus \\otimes".split())
_RELATIONS = frozenset("= < > \\le \\ge \\leq \\geq \\approx \\equiv \\sim \\to \\mapsto \\ne \\neq".split())
# Symbols by width; a command in none of these tables counts as a wide letter.
_SYMBOLS = {
    **dict.fromkeys(("\\,", "\\thinspace"), _THIN),
    "\\:": 2.22, "\\;": 2.78, "\\!": -_THIN, "\\ ": 3.33, "\\quad": 10.0, "\\qquad": 20.0,
    **dict.fromkeys(("\\ldots", "\\dots", "\\cdots"), 11.67),
    **dict.fromkeys(("\\top", "\\infty", "\\partial", "\\nabla", "\\ell"), 7.78),
    **dict.fromkeys(("\\lceil", "\\rceil", "\\lfloor", "\\rfloor", "\\{", "\\}", "\\|", "\\_"), 5.0),
    **dict.fromkeys(("\\notag", "\\nonumber", "\\displaystyle", "\\textstyle", "\\left", "\\right"), 0.0),
    "\\prime": 2.75, "\\vert": 2.78, "\\Vert": 5.0, "\\lvert": 2.78, "\\rvert": 2.78,
}  # fmt: skip
# Commands whose argument is set in upright letters (a function's name is its command's).
_UPRIGHT = frozenset("\\mathrm \\operatorname \\text \\textrm \\mbox \\textup \\mathsf".split())
_ITALIC_TEXT = frozenset("\\mathit \\textit \\emph".split())
_ACCENTED = frozenset(
    "\\hat \\tilde \\bar \\vec \\check \\breve \\dot \\ddot \\widehat \\widetilde \\overline "
    "\\underline \\mathcal \\mathbb \\mathfrak \\boldsymbol \\ensuremath \\mathnormal".split()
)
_ROMAN_FUNCTIONS = frozenset("tanh exp log sin cos max min sinh cosh ln det".split())


def width(text: str, display: bool = True) -> float:
    r"""The estimated width in points of LaTeX math: in a display, or inline (`$...$`,
    where a fraction's parts are script size).

    pdflatex sets these two 78.8 and 16.4 pt wide:

    >>> round(width(r"h_t = o_t \odot \tanh(c_t)")), round(width(r"\frac{a + b}{c}", display=False))
    (78, 16)
    """
    return _math_width(text, 1.0, display)


def _math_width(text: str, scale: float, display: bool) -> float:
    tokens = [text[start:end] for start, end in _tex_tokens(text)]
    total, index, previous = 0.0, 0, None
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token in ("_", "^"):
            # A subscript and a superscript of one base stand one above the other.
            widest = 0.0
            while index < len(tokens) and token in ("_", "^"):
                widest = max(widest, _math_width(_inside(tokens[index]), scale * _SCRIPT, False) + 0.5)
                index += 1
                token = tokens[index] if index < len(tokens) and tokens[index] in ("_", "^") else ""
                index += bool(token)
            total += widest
            continue
        if token in ("\\left", "\\right") and index < len(tokens):
            total += _delimiter(tokens[index]) * scale
            index += 1
            previous = token
            continue
        arguments = _ARGUMENTS.get(token, 0)
        args = [_inside(t) for t in tokens[index : index + arguments]]
        index += arguments
        total += _token_width(token, args, scale, display, previous)
        previous = token
    return total


_ARGUMENTS = {
    **dict.fromkeys(_UPRIGHT | _ITALIC_TEXT | _ACCENTED, 1),
    **dict.fromkeys(("\\mathbf", "\\texttt", "\\mathtt", "\\sqrt", "\\label", "\\textbf", "\\tag"), 1),
    **dict.fromkeys(("\\frac", "\\dfrac", "\\tfrac"), 2),
}


def _token_width(token: str, args: list[str], scale: float, display: bool, previous: str | None) -> float:
    """One token of math (a character, a command with its `args`, a {group})."""
    if token.startswith("{"):
        return _math_width(token[1:-1], scale, display)
    if token in _OPERATORS or token in _RELATIONS:
        glyph = 2.78 if token == "\\cdot" else 7.78
        if scale < 1 or _unary(previous):  # no spaces around an operator in a script
            return glyph * scale
        return (glyph + (_RELATION if token in _RELATIONS else _BINARY)) * scale
    if token in (",", ";"):
        return (2.78 + (_THIN if scale == 1 else 0)) * scale
    if not token.startswith("\\"):
        return (_ITALIC.get(token) or _ROMAN.get(token, 5.5)) * scale
    return _command_width(token, args, scale, display)


def _command_width(command: str, args: list[str], scale: float, display: bool) -> float:
    if command in ("\\frac", "\\dfrac", "\\tfrac"):
        inner = scale if display and command != "\\tfrac" else scale * _SCRIPT
        return max(_math_width(a, inner, False) for a in args) + 2.4 * scale
    if command in _UPRIGHT:
        if command.startswith("\\text"):  # text, which may hold math
            return text_width(args[0], scale)
        return _letters(args[0], _ROMAN) * scale
    if command in _ITALIC_TEXT:
        return _letters(args[0], _ROMAN) * scale
    if command in ("\\texttt", "\\mathtt"):
        return len(_unescaped(args[0])) * _TYPEWRITER * scale
    if command == "\\mathbf":
        return 1.15 * _letters(args[0], _ROMAN) * scale
    if command == "\\sqrt":
        return 8.34 * scale + _math_width(args[0], scale, display)
    if command in _ACCENTED:
        return _math_width(args[0], scale, display)
    if command in ("\\label", "\\tag"):
        return 0.0
    name = command[1:]
    if name in _ROMAN_FUNCTIONS:
        return _letters(name, _ROMAN) * scale
    if name in GREEK:
        return (6.2 if name.islower() else 8.0) * scale
    return _SYMBOLS.get(command, 8.0) * scale


def _unary(previous: str | None) -> bool:
    """Whether an operator after `previous` is a sign, set without spaces."""
    return previous is None or previous in _OPERATORS | _RELATIONS | {"(", "[", ",", "\\left", "&"}


def _delimiter(token: str) -> float:
    return {"(": 3.89, ")": 3.89, ".": 1.2}.get(token) or _SYMBOLS.get(token) or _ROMAN.get(token, 4.0)


def _inside(token: str) -> str:
    """A group's contents; any other token as it is."""
    return token[1:-1] if token.startswith("{") and token.endswith("}") else token


def _unescaped(text: str) -> str:
    r"""Text as it prints: `\_` is one character, a command like `\textbackslash{}` one too."""
    return re.sub(r"\\[A-Za-z]+(\{\})?|\\.", "x", text)


def _letters(text: str, widths: dict[str, float]) -> float:
    return sum(widths.get(c, 5.5) for c in _unescaped(text))


def text_width(text: str, scale: float = 1.0) -> float:
    r"""The estimated width in points of running text with inline math (a table cell).

    >>> round(text_width(r"\texttt{lstm} ($L$ layers)"))  # pdflatex: 67.1 pt
    68
    """
    total, index = 0.0, 0
    while index < len(text):
        char = text[index]
        if char == "$":
            end = text.find("$", index + 1)
            end = len(text) if end < 0 else end
            total += _math_width(text[index + 1 : end], scale, False)
            index = end + 1
        elif char == "\\":
            command = re.match(r"\\([A-Za-z]+|.)", text[index:])[0]
            index += len(command)
            argument = ""
            if index < len(text) and text[index] == "{":
                end = _group_end(text, index)
                argument, index = text[index + 1 : end - 1], end
            total += _text_command(command, argument, scale)
        elif char in "{}":
            index += 1
        else:
            total += _ROMAN.get(char, 5.5) * scale
            index += 1
    return total


def _text_command(command: str, argument: str, scale: float) -> float:
    if command == "\\texttt":
        return len(_unescaped(argument)) * _TYPEWRITER * scale
    if command == "\\ensuremath":
        return _math_width(argument, scale, False)
    if command in ("\\textbf", "\\bfseries"):
        return 1.1 * text_width(argument, scale)
    return text_width(argument, scale) if argument else 5.5 * scale  # a symbol of its own


def _group_end(text: str, start: int) -> int:
    """The index after the `}` that closes the `{` at `start`."""
    depth, index = 0, start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        index += 1
        if depth == 0:
            break
    return index


class Piece(NamedTuple):
    r"""A stretch of a formula between two places where a line may break.

    `text` starts with the operator the line breaks before (`+ b`), or
    follows a space the break replaces (`, \quad`): `joint` is
    what joins it to the piece before on one line (`" "`, `" \quad "`).
    `badness` is how badly a line break before it reads: the number of plain
    parentheses open there, more before `=` or `\odot` or after a bare comma
    (`_WORSE`), less after a label.
    """

    text: str
    badness: float
    joint: str = ""


# Before these a display may break: the operator starts the next line.
_BREAK_BEFORE = frozenset(("+", "-", "\\odot", "="))
# At a quad, or a space after a comma, a display may break; the space is dropped.
_BREAK_AT = frozenset(("\\quad", "\\qquad", "\\ "))
# How much worse than before `+` a break reads: before `=` (`R` and its
# definition apart); before a product (`i_t` / `\odot g_t`) and after a comma
# between arguments (`P(4{,}096,` / `4{,}096)`) worse than inside parentheses.
_WORSE = {"=": 0.25, "\\odot": 1.5, ",": 1.5, "label": -0.5}
# A label in text, `\text{numel: }`: a break after it reads best of all, the
# label over its formula.
_LABEL = re.compile(r"\{[^{}]*:\s*\}")


def pieces(text: str) -> list[Piece]:
    r"""`text` cut where a display may break: before `+`, `-`, `\odot` and `=`
    outside braces and `\left...\right` (inside plain parentheses too), at a
    quad or a space after a comma (`, \ `), dropping the space, after a
    comma inside parentheses, and after a label (`\text{numel: }`).

    >>> [p.text for p in pieces(r"\sigma(W x_t + b) - c, \quad d = -e")]
    ['\\sigma(W x_t', '+ b)', '- c,', 'd', '= -e']
    """
    # (where the piece starts, where the previous one ends, how bad a break there reads)
    cuts: list[tuple[int, int, float]] = []
    depth, nested, previous = 0, 0, None
    spans = _tex_tokens(text)
    for index, (start, end) in enumerate(spans):
        token = text[start:end]
        following = text[slice(*spans[index + 1])] if index + 1 < len(spans) else None
        if token == "\\left":
            nested += 1
        elif token == "\\right":
            nested -= 1
        elif nested == 0 and previous not in ("\\left", "\\right"):
            if token in ("(", "["):
                depth += 1
            elif token in (")", "]") and depth:
                depth -= 1
            elif token in _BREAK_BEFORE and not _unary(previous) and start:
                cuts.append((start, start, depth + _WORSE.get(token, 0)))
            elif token in _BREAK_AT and following is not None and (previous == "," or token != "\\ "):
                cuts.append((spans[index + 1][0], start, depth))
            elif token == "," and depth and following is not None and following not in _BREAK_AT:
                cuts.append((spans[index + 1][0], end, depth + _WORSE[","]))
            elif previous == "\\text" and _LABEL.fullmatch(token) and following is not None and not depth:
                cuts.append((spans[index + 1][0], end, _WORSE["label"]))
        previous = token
    out, begin, begin_depth, last = [], 0, 0.0, 0
    for start, previous_end, cut_depth in [*cuts, (len(text), len(text), 0.0)]:
        raw = text[begin:previous_end]
        if raw.strip():
            content = begin + len(raw) - len(raw.lstrip())
            out.append(Piece(raw.strip(), begin_depth, text[last:content] if out else ""))
            last = content + len(raw.strip())
        begin, begin_depth = start, cut_depth
    return out


def wrap(text: str, first: float, rest: float, display: bool = True) -> list[str]:
    r"""`text` as lines: the first at most `first` points wide, the others `rest`,
    broken at `pieces`. Of the ways to break it, the one with the fewest lines;
    of those, the one whose breaks read best (outside parentheses), then the
    one whose lines are most even (a last line of one term reads as left
    over). A piece wider than its line stands alone (the only way a line can
    overflow), unless it is so for `\left( ... \right)`: then the parentheses
    are plain ones, which a line may break inside.

    >>> wrap("a + b + c", 100, 100), wrap("a + b + c", 30, 30)
    (['a + b + c'], ['a + b', '+ c'])
    >>> wrap(r"3 \left(a + b + c\right)", 30, 30)
    ['3 (a', '+ b', '+ c)']
    >>> wrap(r"f \odot c + i \odot \tanh(a + b + c)", 90, 90)
    ['f \\odot c', '+ i \\odot \\tanh(a + b + c)']
    """
    parts = pieces(text)
    widths = [_math_width(p.text, 1.0, display) for p in parts]
    if max(widths) > max(first, rest) and r"\left(" in text:
        # No line may break inside \left( ... \right): a factor wider than any line
        # (`3 (3 B^2 nb + 6 H I + ...)`) gets plain parentheses, inside which it may.
        return wrap(text.replace(r"\left(", "(").replace(r"\right)", ")"), first, rest, display)
    # best[i]: (lines, badness of the breaks, unevenness) of the best layout of
    # parts[i:], and where its first line ends; filled from the end, each part
    # tried with the few after it that fit on its line.
    best: dict[int, tuple[tuple[float, float, float], int]] = {len(parts): ((0, 0.0, 0.0), len(parts))}
    for start in range(len(parts) - 1, -1, -1):
        room = first if start == 0 else rest
        used, options = -_BINARY, []
        for end in range(start + 1, len(parts) + 1):
            used += widths[end - 1] + _BINARY  # joining two pieces adds the operator's spaces
            if used > room and end > start + 1:
                break
            (lines, badness, uneven), _ = best[end]
            broken = parts[end].badness if end < len(parts) else 0.0
            options.append(((lines + 1, badness + broken, uneven + (room - used) ** 2), end))
        best[start] = min(options)
    lines, start = [], 0
    while start < len(parts):
        end = best[start][1]
        lines.append(joined(parts[start:end]))
        start = end
    return lines


def joined(parts: list[Piece]) -> str:
    """Pieces on one line, as the formula had them."""
    return "".join((p.joint if index else "") + p.text for index, p in enumerate(parts))
