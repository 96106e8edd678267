"""LayerLab's composition root in a clone: ``python main.py ...`` is the ``layerlab`` command
(``layerlab.cli``; ``python main.py --help`` lists the verbs).

``python main.py``                 open the window (example gallery or the last project)
``python main.py PROJECT``          open a project file in the window
``python main.py --example spiral`` open a bundled example (also ``train --example xor`` …)
``python main.py train PROJECT``    train headless and write a JSON report
``python main.py check PROJECT``    print shapes and parameter counts
``python main.py bench``            benchmark the engine against numpy / PyTorch
``python main.py warmup``           compile the engine's kernels once (make run's install step)
``python main.py lesson FILE``      run a lesson's reference solution and print each check
``python main.py lrfind PROJECT``   sweep the learning rate on a copy of the model, suggest one
``python main.py sweep PROJECT --param width|depth|degree|train_size|l2 --values a,b,c``
                                     train variants, print training vs validation error
``python main.py export PROJECT --to numpy|torch [--out DIR]``  write the network as code
"""

from __future__ import annotations

import sys

from layerlab.cli import HEADLESS, main

__all__ = ["HEADLESS", "main"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="python main.py"))
