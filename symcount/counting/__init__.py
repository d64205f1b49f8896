"""Counting, the stage after the layers: parameter counts in closed form.

- `counts`: the layers → counts per parameter, per gate, trainable and frozen;
- `summary`: what every output format is handed (`Summary`);
- `evaluation`: counts at concrete sizes, the one place a count becomes a number.
"""

from .counts import Counts, Param, StackParam, param_count

__all__ = ["Counts", "Param", "StackParam", "param_count"]
