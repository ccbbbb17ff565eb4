"""``python -m newsweave``: the same command line as ``newsweave``."""

import sys

from newsweave.cli import main

if __name__ == "__main__":
    sys.exit(main())
