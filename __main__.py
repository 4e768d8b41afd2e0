"""``python -m stmarket``: the same as the ``stmarket`` command."""

import sys

from stmarket.experiments.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
