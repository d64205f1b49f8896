"""`python -m symcount` is the `symcount` command."""

import sys

from .cli import main

sys.exit(main())
