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


# ---- cells written as PyTorch modules, as docs/costs.md says the tools see them ----
#
# Each weight product an nn.Linear (a bias added beside it, that Linear's bias),
# every other operation the torch function the docs name: torch.add, torch.sub,
# torch.mul, torch.sigmoid, F.relu, F.layer_norm, ... One step, the states held
# as buffers, so that the module is called on the input alone (B, m), as the
# tools call a model.


def _step_module(m: int, n: int, batch: int, states: tuple[str, ...], weights: dict, vectors: dict, step):
    import torch

    class Step(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for name, (rows, cols, bias) in weights.items():
                setattr(self, name, torch.nn.Linear(cols, rows, bias=bias))
            for name, size in vectors.items():
                setattr(self, name, torch.nn.Parameter(torch.randn(size)))
            for name in states:
                self.register_buffer(name, torch.randn(batch, n))

        def forward(self, x):
            return step(self, x)

    torch.manual_seed(0)
    return Step()


def lstm(m: int, n: int, batch: int):
    """symcount's `lstm`: i, f, o, g from W @ x + U @ h + b; c' = f*c + i*g; h' = o*tanh(c')."""
    import torch

    def gate(s, name, x, act):
        return act(torch.add(getattr(s, f"W_{name}")(x), getattr(s, f"U_{name}")(s.h)))

    def step(s, x):
        i, f, o = (gate(s, g, x, torch.sigmoid) for g in "ifo")
        g = gate(s, "g", x, torch.tanh)
        c = torch.add(torch.mul(f, s.c), torch.mul(i, g))
        return torch.mul(o, torch.tanh(c))

    weights = {f"W_{g}": (n, m, True) for g in "ifog"} | {f"U_{g}": (n, n, False) for g in "ifog"}
    return _step_module(m, n, batch, ("h", "c"), weights, {}, step)


def mingru(m: int, n: int, batch: int):
    """symcount's `mingru`: z = sigmoid(W_z x + b_z); h' = (1 - z) * h + z * (W_h x + b_h)."""
    import torch

    def step(s, x):
        z = torch.sigmoid(s.W_z(x))
        return torch.add(torch.mul(torch.sub(1, z), s.h), torch.mul(z, s.W_h(x)))

    return _step_module(m, n, batch, ("h",), {"W_z": (n, m, True), "W_h": (n, m, True)}, {}, step)


def indrnn(m: int, n: int, batch: int):
    """symcount's `indrnn`: h' = relu(W x + u * h + b)."""
    import torch
    import torch.nn.functional as F

    def step(s, x):
        return F.relu(torch.add(s.W(x), torch.mul(s.u, s.h)))

    return _step_module(m, n, batch, ("h",), {"W": (n, m, True)}, {"u": n}, step)


def ln_lstm(m: int, n: int, batch: int):
    """symcount's `ln_lstm`: layer-normalised products with written gains and shifts."""
    import torch
    import torch.nn.functional as F

    def normed(s, k, v, width):
        return torch.mul(getattr(s, f"alpha_{k}"), F.layer_norm(v, (width,)))

    def step(s, x):
        a = torch.add(normed(s, 1, s.W_h(s.h), 4 * n), s.beta_1)
        a = torch.add(torch.add(torch.add(a, normed(s, 2, s.W_x(x), 4 * n)), s.beta_2), s.b)
        f, i, o = (torch.sigmoid(a[:, k * n : (k + 1) * n]) for k in range(3))
        g = torch.tanh(a[:, 3 * n :])
        c = torch.add(torch.mul(f, s.c), torch.mul(i, g))
        return torch.mul(o, torch.tanh(torch.add(normed(s, 3, c, n), s.beta_3)))

    vectors = {"alpha_1": 4 * n, "beta_1": 4 * n, "alpha_2": 4 * n, "beta_2": 4 * n, "b": 4 * n}
    vectors |= {"alpha_3": n, "beta_3": n}
    weights = {"W_h": (4 * n, n, False), "W_x": (4 * n, m, False)}
    return _step_module(m, n, batch, ("h", "c"), weights, vectors, step)


def ligru(m: int, n: int, batch: int):
    """symcount's `ligru`: batch-normalised input products, a ReLU candidate."""
    import torch
    import torch.nn.functional as F

    def branch(s, k, x):
        v = getattr(s, f"W_{k}")(x)
        normed = F.batch_norm(v, torch.zeros(n), torch.ones(n), training=False)
        return torch.add(torch.mul(getattr(s, f"gamma_{k}"), normed), getattr(s, f"U_{k}")(s.h))

    def step(s, x):
        z = torch.sigmoid(branch(s, "z", x))
        candidate = F.relu(branch(s, "h", x))
        return torch.add(torch.mul(z, s.h), torch.mul(torch.sub(1, z), candidate))

    weights = {"W_z": (n, m, False), "W_h": (n, m, False), "U_z": (n, n, True), "U_h": (n, n, True)}
    return _step_module(m, n, batch, ("h",), weights, {"gamma_z": n, "gamma_h": n}, step)


# The built-ins written above, by name.
WRITTEN = {"lstm": lstm, "mingru": mingru, "indrnn": indrnn, "ln_lstm": ln_lstm, "ligru": ligru}
