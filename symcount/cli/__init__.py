"""The command line, a face on the pipeline: `main` parses the arguments
(`main`), `commands` runs them, `atomic` writes `-o FILE` all at once."""

from .main import main

__all__ = ["main"]
