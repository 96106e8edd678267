"""LayerLab's composition root.

``python main.py``                 open the window (example gallery or the last project)
``python main.py PROJECT``          open a project file in the window
``python main.py train PROJECT``    train headless and write a JSON report
``python main.py check PROJECT``    print shapes and parameter counts
``python main.py bench``            benchmark the engine against numpy / PyTorch
``python main.py warmup``           compile the engine's kernels once (make run's install step)
``python main.py lesson FILE``      run a lesson's reference solution and print each check
``python main.py lrfind PROJECT``   sweep the learning rate on a copy of the model, suggest one
``python main.py export PROJECT --to numpy|torch [--out DIR]``  write the network as code
"""

from __future__ import annotations

import os
import sys

HEADLESS = {"train", "check", "bench", "warmup", "lesson", "export", "lrfind"}


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("train", "check", "warmup", "lesson", "lrfind"):
        # classroom-sized products: OpenBLAS threads cost more than they give (a 2-core
        # machine went ~20x slower under load); `bench` sets its own thread counts
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if argv and argv[0] in HEADLESS:
        from engine.cli import main as cli_main

        return cli_main(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        print("LayerLab needs a screen, but no display was found (DISPLAY is not set).\n"
              "Run it from a desktop session, or on a virtual screen:\n"
              '  xvfb-run -a -s "-screen 0 1600x1000x24" python main.py\n'
              "Headless commands work anywhere: python main.py train|check|bench ...",
              file=sys.stderr)
        return 1
    # One BLAS thread: the GUI and the training worker share two cores; OpenBLAS's own
    # threads made small matrix products ~25x slower on a loaded machine (measured).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from widgets.main_window import run_app

    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
