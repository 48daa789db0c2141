"""``python -m analysis``: the command line (see :mod:`analysis.book.cli`)."""

from __future__ import annotations

import sys

from analysis.book.cli import main

if __name__ == "__main__":
    sys.exit(main())
