"""A Pygments lexer for `.cell` files: `pygmentize -l symcount lstm.cell`.

Pygments finds it through the `pygments.lexers` entry point (pyproject.toml)
once symcount is installed with its `pygments` extra; nothing of symcount
imports this module, and this module imports neither sympy nor lark, so
that Pygments can load it with every other lexer, to guess a file's.

The words are the language's own: the keywords are the grammar's quoted
words, the functions the rows of `functions.TABLE`. A keyword is one only
where the grammar reads one (docs/language.md): at the start of a statement
(`latex = ...` is a gate called latex), and in a declaration's shape after
the `:` (`diag`, `complex`, `frozen`, `bias`); elsewhere, as in an equation,
it is a name like any other.

    >>> for token, text in CellLexer().get_tokens("h' = tanh(h)  # why\\n"):
    ...     if text.strip():
    ...         print(f"{text!r:8} {token}")
    'h'      Token.Name.Variable
    "'"      Token.Operator
    '='      Token.Operator
    'tanh'   Token.Name.Builtin
    '('      Token.Punctuation
    'h'      Token.Name
    ')'      Token.Punctuation
    '# why'  Token.Comment.Single
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from .. import sources
from ..functions import TABLE

# The keywords: the words in quotes in the grammar (its comments left out).
KEYWORDS = tuple(
    sorted(set(re.findall(r'"([a-z]+)"', re.sub(r"//[^\n]*", "", sources.grammar_text()))))
)
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CELL_NAME = rf"{_NAME}(?:\.{_NAME})*"
_START = r"^([ \t\f\r]*)"  # a statement starts a line


class CellLexer(RegexLexer):
    """The symcount cell language (docs/language.md)."""

    name = "symcount"
    aliases = ["symcount", "cell"]
    filenames = ["*.cell"]
    flags = re.MULTILINE

    tokens = {
        "root": [
            (
                _START + rf"(cell|block|model)(\s+)({_CELL_NAME})",
                bygroups(Whitespace, Keyword, Whitespace, Name.Class),
                "header",
            ),
            # A model's layer: `layer enc = torch.gru(e, n)`, the cell's name dotted.
            (
                _START + rf"(layer)(\s+)(?:({_NAME})([ \t]*)(=)([ \t]*))?({_CELL_NAME})",
                bygroups(Whitespace, Keyword, Whitespace, Name.Variable, Whitespace, Operator, Whitespace, Name.Class),
            ),
            (_START + rf"(def)(\s+)({_NAME})", bygroups(Whitespace, Keyword, Whitespace, Name.Function)),
            # An equation; `latex = ...` and `size = ...` are gates with a keyword's name.
            (_START + rf"({_NAME})(')?([ \t]*)(=)", bygroups(Whitespace, Name.Variable, Operator, Whitespace, Operator)),
            # A statement's keyword, and the name it declares.
            (
                words(KEYWORDS, prefix=_START, suffix=rf"\b(?:([ \t]+)({_NAME})(')?)?"),
                bygroups(Whitespace, Keyword, Whitespace, Name.Variable, Operator),
            ),
            include("blank"),
            (r":", Operator, "shape"),  # outside brackets, only a declaration has one
            (r'"(?:[^"\\\n]|\\.)*"', String.Double),  # a `latex` text, taken verbatim
            (r"[(\[]", Punctuation, "brackets"),
            include("expression"),
        ],
        # Blanks that end at a line's end, so that the next line starts a statement.
        "blank": [
            (r"#.*$", Comment.Single),
            (r"\n", Whitespace),
            (r"[^\S\n]+", Whitespace),
        ],
        "expression": [
            (words(tuple(TABLE), suffix=r"(?=\s*\()"), Name.Builtin),
            (rf"{_NAME}(?=\s*\()", Name.Function),  # a `def` of the cell's own
            (rf"({_NAME})(')", bygroups(Name.Variable, Operator)),  # a state's new value
            (_NAME, Name),
            (r"([0-9]+\.[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
            (r"[@*/+\-=:]", Operator),
            (r",", Punctuation),
        ],
        # Inside ( ) and [ ] a statement goes on over line breaks.
        "brackets": [
            include("blank"),
            (r"[(\[]", Punctuation, "#push"),
            (r"[)\]]", Punctuation, "#pop"),
            include("expression"),
        ],
        # `cell NAME(SIZES) "description" latex "display"`: the description has escapes,
        # the display name is LaTeX taken verbatim (docs/language.md, "Files and cells").
        "header": [
            (r"\n", Whitespace, "#pop"),
            include("blank"),
            (r"\(", Punctuation, "brackets"),
            (r'(latex)(\s*)("[^"\n]*")', bygroups(Keyword, Whitespace, String.Double)),
            (r'"', String.Double, "description"),
        ],
        "description": [
            (r'[^"\\\n]+', String.Double),
            (r"\\.", String.Escape),
            (r'"', String.Double, "#pop"),
        ],
        # After a declaration's `:`, its shape and markers, to the end of the line.
        "shape": [
            (r"\n", Whitespace, "#pop"),
            include("blank"),
            (words(KEYWORDS, suffix=r"\b"), Keyword.Type),
            (r"[(\[]", Punctuation, "brackets"),  # `[` : what a model's output reads
            include("expression"),
        ],
    }
