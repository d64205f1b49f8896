"""In a notebook (docs/api.md, "Jupyter"): a list of cells shows as one
comparison table, an error as its located report with the caret; checked by
executing a real notebook in a Jupyter kernel."""

import pickle
from pathlib import Path

import pytest

import symcount

ROOT = Path(__file__).resolve().parent.parent

TWO_CELLS = """\
cell rnn(m, n)
    input x : m
    state h : n
    h' = tanh(W @ x + U @ h + b)
end

cell mgu(m, n)
    input x : m
    state h : n
    f = sigmoid(W_f @ x + U_f @ h + b_f)
    g = tanh(W_g @ x + U_g @ (f * h) + b_g)
    h' = (1 - f) * h + f * g
end
"""

BAD = "cell bad(m, n)\n  input x : m\n  state h : n\n  h' = tanh(W @ x + h + x)\nend\n"
CARET = " " * 28 + "^"  # under the second `x` of line 4, indented as the report indents


# ---- the list: a list for every use but display ----


def test_loads_returns_a_list_that_shows_as_one_table():
    cells = symcount.loads(TWO_CELLS)
    assert isinstance(cells, list) and isinstance(cells, symcount.Cells)
    table = cells._repr_markdown_()
    assert table.splitlines()[0] == "| cell | parameters | factored |"
    assert [line.split(" | ")[0] for line in table.splitlines()[2:]] == ["| `rnn(m, n)`", "| `mgu(m, n)`"]


def test_the_list_compares_slices_adds_and_pickles_as_a_list():
    cells = symcount.loads(TWO_CELLS)
    rnn, mgu = cells
    assert cells == [rnn, mgu] and [rnn, mgu] == cells and cells != [mgu, rnn]
    assert cells[0] is rnn and cells[-1] is mgu
    assert type(cells[1:]) is symcount.Cells and cells[1:] == [mgu]
    assert type(cells + [rnn]) is symcount.Cells and type([rnn] + cells) is symcount.Cells
    assert type(cells.copy()) is symcount.Cells and cells.copy() == cells
    with pytest.raises(TypeError):
        cells + (rnn,)
    again = pickle.loads(pickle.dumps(cells))
    assert type(again) is symcount.Cells and [c.count for c in again] == [rnn.count, mgu.count]


def test_an_empty_or_mixed_list_shows_as_a_plain_list():
    assert symcount.Cells()._repr_markdown_() is None
    assert symcount.Cells([symcount.builtin("rnn"), 3])._repr_markdown_() is None


def test_an_error_shows_in_ipython_as_its_report():
    with pytest.raises(symcount.SymcountError) as caught:
        symcount.loads(BAD, filename="bad.cell")
    lines = caught.value._render_traceback_()
    assert lines == caught.value.render().splitlines()
    assert lines[:3] == [
        "bad.cell:4:25: error: size mismatch: 'W @ x' has size n but 'x' has size m",
        "      h' = tanh(W @ x + h + x)",
        CARET,
    ]


# ---- a real notebook, executed in a Jupyter kernel ----


def _notebook(nbformat):
    code = nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(
        cells=[
            # The kernel imports this checkout's symcount, installed or not.
            code(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport symcount"),
            code(f"cells = symcount.loads({TWO_CELLS!r})\ncells"),
            code(f"symcount.loads({BAD!r}, filename='bad.cell')"),
        ]
    )


def _executed(tmp_path):
    """The notebook executed by nbclient; skipped where no kernel can start."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import NoSuchKernel

    client = nbclient.NotebookClient(
        _notebook(nbformat),
        kernel_name="python3",
        timeout=120,
        startup_timeout=60,
        allow_errors=True,  # the last cell raises on purpose
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.create_kernel_manager()
    try:
        client.start_new_kernel()
        client.start_new_kernel_client()
    except (NoSuchKernel, RuntimeError, TimeoutError, OSError) as e:
        client._cleanup_kernel()
        pytest.skip(f"no Jupyter kernel could start: {e}")
    return client.execute()


def test_a_notebook_shows_the_table_and_the_located_error(tmp_path):
    notebook = _executed(tmp_path)
    [shown] = notebook.cells[1].outputs
    assert shown.output_type == "execute_result"
    table = shown.data["text/markdown"]
    assert table == symcount.loads(TWO_CELLS)._repr_markdown_()
    assert r"$2 n \left(m + n + 1\right)$" in table  # the MGU's count, factored
    [error] = notebook.cells[2].outputs
    assert error.output_type == "error" and error.ename == "SymcountError"
    assert error.traceback[:3] == [
        "bad.cell:4:25: error: size mismatch: 'W @ x' has size n but 'x' has size m",
        "      h' = tanh(W @ x + h + x)",
        CARET,
    ]
    assert not any("Traceback" in line for line in error.traceback)
