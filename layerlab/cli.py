"""The ``layerlab`` command (and ``python -m layerlab``, and ``python main.py`` in a clone).

``layerlab``                          open the window (example gallery or the last project)
``layerlab PROJECT``                  open a project file in the window
``layerlab --example spiral``         open a bundled example (``--example`` works wherever a
                                      project file does: ``layerlab train --example xor``)
``layerlab ... --presenter``          open the window in presenter mode (F5 toggles it)
``layerlab ... --screenshot F.png [--after S]``  press Play, wait S seconds (4), save, quit
``layerlab train PROJECT``            train headless and write a JSON report
``layerlab check PROJECT``            print shapes and parameter counts
``layerlab bench``                    benchmark the engine against numpy / PyTorch
``layerlab warmup``                   compile the engine's kernels once (after installing)
``layerlab lesson FILE|NAME``         run a lesson's reference solution and print each check
``layerlab lrfind PROJECT``           sweep the learning rate on a copy of the model
``layerlab sweep PROJECT --param width --values 2,8,32 [--folds k] [--json]``  capacity sweep
``layerlab export PROJECT --to numpy|torch [--out DIR]``  write the network as code
``layerlab --version``                print the version
``layerlab train --threads N ...``    threads one training call may use (default: cores − 1, or
                                      LAYERLAB_THREADS); ``bench --threads 1,2,4`` measures each
``layerlab train --backend cuda ...`` train on an NVIDIA GPU (``pip install 'layerlab[cuda]'``;
                                      or LAYERLAB_BACKEND=cuda); without one: the CPU, and why
``layerlab --install-desktop``        add LayerLab to the desktop's application menu (Linux)
``layerlab --uninstall-desktop``      remove it again

Before anything imports numba, ``engine.resources.configure_numba_cache`` points numba's
compile cache at the user's cache folder when LayerLab is installed in a read-only place.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engine.resources import (
    configure_numba_cache,
    example_names,
    example_path,
    lessons_dir,
    user_log_dir,
)

HEADLESS = {"train", "check", "bench", "warmup", "lesson", "export", "lrfind", "sweep"}


def usage(prog: str) -> str:
    return __doc__.split("\n\n")[1].replace("``layerlab", "``" + prog).replace("``", "")


def main(argv: list[str] | None = None, prog: str = "layerlab") -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    configure_numba_cache()
    if argv and argv[0] in ("-V", "--version"):
        from layerlab import version

        print(f"LayerLab {version()}")
        return 0
    if argv and argv[0] in ("--install-desktop", "--uninstall-desktop"):
        from layerlab.desktop import desktop_command

        return desktop_command(argv[0] == "--install-desktop")
    if argv and argv[0] in ("-h", "--help"):
        print(usage(prog))
        return 0
    try:
        argv = resolve_bundled(argv)
    except LookupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        argv = take_threads(argv)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if argv and argv[0] in HEADLESS:
        from engine.cli import main as cli_main

        return cli_main(argv, prog=prog)
    return open_window(argv, prog)


def _option_value(argv: list[str], i: int) -> tuple[str | None, int]:
    """The value of the option at ``argv[i]`` (``--name=VALUE`` or ``--name VALUE``) and the
    index of the last word it used; None when nothing follows ``--name``."""
    if "=" in argv[i]:
        return argv[i].split("=", 1)[1], i
    return (argv[i + 1], i + 1) if i + 1 < len(argv) else (None, i)


def take_threads(argv: list[str]) -> list[str]:
    """``--threads N`` (or ``--threads=N``) sets the engine's thread budget and is taken out
    of ``argv``; ``bench`` keeps it (there it is a list of counts to measure). Raises
    ValueError with a plain sentence for a value that is not a whole number ≥ 1."""
    if argv and argv[0] == "bench":
        return argv
    out, value, i = [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--threads" or arg.startswith("--threads="):
            value, i = _option_value(argv, i)
            if value is None:
                raise ValueError("--threads needs a number, e.g. --threads 2")
        else:
            out.append(arg)
        i += 1
    if value is not None:
        from engine import threads

        threads.set_budget(threads.parse_threads(value))
    return out


def resolve_bundled(argv: list[str]) -> list[str]:
    """``--example NAME`` (or ``--example=NAME``) becomes the bundled example's path; a
    ``lesson`` given by a bundled lesson's name (``01_perceptron`` or ``perceptron``) becomes
    its file; ``export --example`` writes to ``export/`` in the current folder (the bundled
    folder may be read-only). Raises LookupError naming the choices for an unknown name."""
    out: list[str] = []
    example = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--example" or arg.startswith("--example="):
            example, i = _option_value(argv, i)
            if example is None:
                raise LookupError("--example needs a name, e.g. --example spiral")
            path = example_path(example)
            if not path.is_file():
                raise LookupError(f"there is no bundled example '{example}'; choose one of: "
                                  + ", ".join(example_names()))
            out.append(str(path))
        else:
            out.append(arg)
        i += 1
    if example and out[0] == "export" and not any(a == "--out" or a.startswith("--out=")
                                                  for a in out):
        out += ["--out", str(Path.cwd() / "export")]
    if len(out) >= 2 and out[0] == "lesson":
        out[1] = str(bundled_lesson(out[1]))
    return out


def bundled_lesson(name: str) -> Path:
    """A lesson file as given, else the bundled lesson whose file name matches ``name``."""
    if Path(name).exists() or name.startswith("-"):
        return Path(name)
    found = sorted(lessons_dir().glob("*.lesson.json"))
    for path in found:
        stem = path.name[: -len(".lesson.json")]
        if name in (stem, stem.split("_", 1)[-1]):
            return path
    raise LookupError(f"there is no lesson file '{name}' and no bundled lesson of that name; "
                      "bundled: " + ", ".join(p.name[: -len(".lesson.json")] for p in found))


def open_window(argv: list[str], prog: str) -> int:
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        print("LayerLab needs a screen, but no display was found (DISPLAY is not set).\n"
              "Run it from a desktop session, or on a virtual screen:\n"
              f'  xvfb-run -a -s "-screen 0 1600x1000x24" {prog}\n'
              f"Headless commands work anywhere: {prog} train|check|bench ...",
              file=sys.stderr)
        return 1
    from layerlab.logs import log_to_file

    log_to_file(user_log_dir())
    set_app_icon()
    from widgets.window.splash import show_splash, splash_message

    show_splash()  # on screen now: the imports below take seconds on a slow machine
    splash_message("Preparing… loading the engine and the window")
    from engine import threads
    from widgets.window.app_entry import run_app

    # BLAS at one thread outside training calls (the GUI thread's products, the probes: OpenBLAS
    # threads made small products ~25x slower on a loaded machine); a training call may use
    # the thread budget, cores − 1 by default, so one core stays with the GUI (engine.threads).
    # Here, once the window's imports have loaded numpy, it takes effect at once.
    threads.install(1)
    return run_app(argv)


def set_app_icon() -> None:
    """LayerLab's icon for every window (title bar, task bar, Alt+Tab); static, so it may be
    set before ``run_app`` creates the QApplication."""
    from PySide6.QtGui import QGuiApplication, QIcon

    from engine.resources import icon_path

    QGuiApplication.setWindowIcon(QIcon(str(icon_path())))
