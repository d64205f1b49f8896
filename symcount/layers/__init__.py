"""How a cell is used, the stage between shape inference and counting.

- `biases`: which parameters `--no-bias` drops, from the count and the equations;
- `stacking`: a cell and its `Layout` (layers, directions, biases) → its layers,
  in groups of alike layers, each with its own inferred shapes;
- `frameworks`: which real framework layer each framework built-in describes.

Models (cells composed into networks) will come here too.
"""
