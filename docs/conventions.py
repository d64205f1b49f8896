"""The README's convention table (in "Frameworks: PyTorch and Keras"),
produced by symcount itself.

    python docs/conventions.py          # print the table
    python docs/conventions.py --write  # replace it in README.md

tests/test_docs.py checks that README.md holds exactly what this prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy

import symcount

sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling helper, however it is loaded
import pages  # noqa: E402

START, END = "<!-- conventions:start -->", "<!-- conventions:end -->"

# (family, textbook cell, PyTorch cell, Keras cells)
FAMILIES = [
    ("Elman RNN", "rnn", "torch.rnn", ["keras.simple_rnn"]),
    ("LSTM", "lstm", "torch.lstm", ["keras.lstm"]),
    ("GRU", "gru", "torch.gru", ["keras.gru", "keras.gru_v1"]),
    ("LSTM, projection p", None, "torch.lstm_proj", []),
]


def _entry(name: str | None) -> str:
    if name is None:
        return "—"
    cell = symcount.builtin(name)
    return f"`{name}`: ${sympy.latex(cell.factored)}$"


def table() -> str:
    rows = [
        "| cell | textbook (one bias per gate) | PyTorch | Keras |",
        "|---|---|---|---|",
    ]
    for family, textbook, torch_cell, keras_cells in FAMILIES:
        keras_text = "<br>".join(_entry(k) for k in keras_cells) or "—"
        rows.append(f"| {family} | {_entry(textbook)} | {_entry(torch_cell)} | {keras_text} |")
    return "\n".join(rows)


def current() -> str:
    return pages.block("README.md", START, END)


def write() -> None:
    pages.replace_block("README.md", START, END, table())


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write()
    else:
        print(table())
