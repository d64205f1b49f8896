"""The four counting tools, run on real PyTorch modules: what each one returns.

symcount's `--convention thop|ptflops|calflops|torchinfo` reproduces these numbers
(docs/costs.md, "Conventions of other tools"); tests/test_cost_tools.py checks
it against the functions here at random sizes. Each function takes a module and
the input tensor it is called on and returns the tool's own number, untouched:

- thop 0.1.1.post2209072238: `profile(model, inputs)` -> (ops, params), ops are MACs;
- ptflops 0.7.5: `get_model_complexity_info(...)` -> (macs, params), with its default
  backend, "pytorch" (module hooks and patched torch functions);
- calflops 0.3.2: `calculate_flops(...)` -> (flops, macs, params);
- torchinfo 1.8.0: `summary(...).total_mult_adds`.

The tools are imported inside the functions, so this file imports without them;
anything a tool prints goes to a buffer, not to the test's output.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator

KINDS = ("RNN", "LSTM", "GRU")


def sequence_module(
    kind: str,
    m: int,
    n: int,
    *,
    layers: int = 1,
    bidirectional: bool = False,
    proj: int = 0,
    bias: bool = True,
):
    """`torch.nn.RNN|LSTM|GRU` (batch_first False: input (T, B, m))."""
    import torch

    options = {"num_layers": layers, "bidirectional": bidirectional, "bias": bias}
    if proj:
        options["proj_size"] = proj
    torch.manual_seed(0)
    return getattr(torch.nn, kind)(m, n, **options)


def cell_module(kind: str, m: int, n: int, *, bias: bool = True):
    """`torch.nn.RNNCell|LSTMCell|GRUCell` (input (B, m))."""
    import torch

    torch.manual_seed(0)
    return getattr(torch.nn, f"{kind}Cell")(m, n, bias=bias)


def inputs(*shape: int):
    import torch

    torch.manual_seed(1)
    return torch.randn(*shape)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The tools print banners, tables and deprecation warnings; keep them out."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def thop_macs(module, x) -> int:
    with quiet():
        import thop

        ops, _params = thop.profile(module, inputs=(x,), verbose=False)
    return int(ops)


def ptflops_macs(module, x) -> int:
    with quiet():
        from ptflops import get_model_complexity_info

        macs, _params = get_model_complexity_info(
            module,
            tuple(x.shape),
            input_constructor=lambda _shape: x,
            as_strings=False,
            print_per_layer_stat=False,
            backend="pytorch",  # 0.7.5's default, named so an upgrade cannot change it
        )
    if macs is None:
        raise RuntimeError("ptflops did not finish (it prints the exception and returns None)")
    return int(macs)


def calflops_counts(module, x) -> tuple[int, int]:
    """(flops, macs)."""
    with quiet():
        from calflops import calculate_flops

        flops, macs, _params = calculate_flops(
            module, args=[x], output_as_string=False, print_results=False
        )
    return int(flops), int(macs)


def torchinfo_macs(module, x) -> int:
    with quiet():
        from torchinfo import summary

        return int(summary(module, input_data=[x], verbose=0).total_mult_adds)


# What each convention reproduces, by name: the tool's MACs, and its FLOPs when it reports them.
def run(tool: str, module, x) -> dict[str, int]:
    if tool == "calflops":
        flops, macs = calflops_counts(module, x)
        return {"macs": macs, "flops": flops}
    runner = {"thop": thop_macs, "ptflops": ptflops_macs, "torchinfo": torchinfo_macs}[tool]
    return {"macs": runner(module, x)}
