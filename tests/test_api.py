"""The Python API's inputs: the types it takes for sizes and texts, and the
files it opens."""

import gc
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import symcount
from conftest import m, n, same

RNN = "cell rnn(m, n)\n    input x : m\n    state h : n\n    h' = tanh(W @ x + U @ h + b)\nend\n"


class Index:
    """An integer type of someone else's, as numpy's are: it has `__index__`."""

    def __init__(self, value: int):
        self.value = value

    def __index__(self) -> int:
        return self.value


def _numpy_integers():
    numpy = pytest.importorskip("numpy")
    return [numpy.int64, numpy.int32, numpy.uint16, numpy.int8]


@pytest.mark.parametrize("kind", range(4))
def test_evaluate_takes_numpy_integers(kind):
    integer = _numpy_integers()[kind]
    cell = symcount.builtin("lstm")
    got = cell.evaluate(m=integer(3), n=2)
    assert got == 48 and type(got) is int


def test_evaluate_takes_anything_operator_index_takes():
    assert symcount.builtin("lstm").evaluate(m=Index(3), n=Index(2)) == 48


def test_evaluate_is_exact_where_int64_would_overflow():
    numpy = pytest.importorskip("numpy")
    big = 3_000_000_000  # 4*n**2 is beyond int64
    cell = symcount.builtin("lstm")
    assert cell.evaluate(m=numpy.int64(big), n=numpy.int64(big)) == 8 * big**2 + 4 * big


@pytest.mark.parametrize("value", [True, False, 2.0, 2.5, "3", None, 0, -1, Index(0), Index(-3)])
def test_evaluate_refuses_what_is_not_a_positive_integer(value):
    with pytest.raises(ValueError, match="size m must be a positive integer"):
        symcount.builtin("lstm").evaluate(m=value, n=2)


def test_evaluate_refuses_numpy_floats_and_bools():
    numpy = pytest.importorskip("numpy")
    for value in (numpy.float64(3.0), numpy.bool_(True)):
        with pytest.raises(ValueError, match="size m must be a positive integer"):
            symcount.builtin("lstm").evaluate(m=value, n=2)


def test_stacks_take_numpy_integers_for_layers_and_sizes():
    numpy = pytest.importorskip("numpy")
    cell = symcount.builtin("lstm")
    stack = cell.stacked(numpy.int64(3), bidirectional=True)
    assert stack.dims == cell.dims  # the layer count is a number, not a new symbol
    expected = cell.stacked(3, bidirectional=True).evaluate(m=10, n=20)
    assert stack.evaluate(m=numpy.int32(10), n=numpy.int64(20)) == expected
    by_symbol = cell.stacked("L", bidirectional=True)
    assert by_symbol.evaluate(m=10, n=20, L=numpy.int16(3)) == expected


@pytest.mark.parametrize("layers", [True, 2.0, 0, Index(0), "2L"])
def test_stacks_refuse_bad_layer_counts(layers):
    with pytest.raises(ValueError, match="layers must be"):
        symcount.builtin("lstm").stacked(layers)


def test_latex_sizes_take_numpy_integers():
    numpy = pytest.importorskip("numpy")
    cell = symcount.builtin("lstm")
    plain = cell.latex(params=True, sizes={"m": 3, "n": 2})
    assert cell.latex(params=True, sizes={"m": numpy.int64(3), "n": Index(2)}) == plain


@pytest.mark.parametrize("value", [1.5, True, "2", 0])
def test_latex_sizes_refuse_what_is_not_a_positive_integer(value):
    with pytest.raises(ValueError, match="size n must be a positive integer"):
        symcount.builtin("lstm").latex(params=True, sizes={"m": 3, "n": value})


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_loads_takes_utf8_bytes(kind):
    text = ("# für Elman\n" + RNN).encode("utf-8")
    [cell] = symcount.loads(kind(text))
    assert same(cell.count, m * n + n**2 + n)


def test_loads_drops_a_byte_order_mark_as_load_does():
    [cell] = symcount.loads(b"\xef\xbb\xbf" + RNN.encode())
    assert cell.name == "rnn"


def test_loads_locates_invalid_utf8_in_bytes():
    with pytest.raises(symcount.SymcountError) as caught:
        symcount.loads(RNN.encode().replace(b"tanh", b"t\xffnh"), filename="rnn.cell")
    error = caught.value
    assert (error.filename, error.line, error.column) == ("rnn.cell", 4, 11)
    assert error.message == "the file is not valid UTF-8 (byte 0xff)"


@pytest.mark.parametrize("text", [None, 42, ["cell"], open])
def test_loads_refuses_other_types_clearly(text):
    with pytest.raises(TypeError, match="the cell text must be str or bytes, not "):
        symcount.loads(text)


def test_load_closes_its_file(tmp_path):
    path = tmp_path / "rnn.cell"
    path.write_text(RNN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        symcount.load(path)
        gc.collect()  # a leaked file would warn when it is collected
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_load_closes_its_file_under_python_dev_mode(tmp_path):
    # As the issue saw it: `python -X dev -W error::ResourceWarning`.
    (tmp_path / "rnn.cell").write_text(RNN)
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "dev",
            "-W",
            "error::ResourceWarning",
            "-c",
            "import gc, symcount; print(symcount.load('rnn.cell')[0].name); gc.collect()",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root), "XDG_CACHE_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout == "rnn\n"
    assert "ResourceWarning" not in result.stderr, result.stderr
