"""``python -m layerlab ...``: the same as the ``layerlab`` command."""

import sys

from layerlab.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
