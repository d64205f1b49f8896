"""Which real framework layer each framework built-in describes.

`symcount verify` builds that layer and compares its parameters with the count;
the counting tools' conventions price a torch built-in by their own rule for
that layer (docs/costs.md, "Conventions of other tools").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    framework: str  # "torch" or "keras"
    kind: str  # the framework's class name
    options: tuple[tuple[str, object], ...] = ()


LAYERS: dict[str, Layer] = {
    "torch.rnn": Layer("torch", "RNN"),
    "torch.lstm": Layer("torch", "LSTM"),
    "torch.gru": Layer("torch", "GRU"),
    "torch.lstm_proj": Layer("torch", "LSTM"),  # with proj_size=p
    "keras.simple_rnn": Layer("keras", "SimpleRNN"),
    "keras.lstm": Layer("keras", "LSTM"),
    "keras.gru": Layer("keras", "GRU", (("reset_after", True),)),
    "keras.gru_v1": Layer("keras", "GRU", (("reset_after", False),)),
}
