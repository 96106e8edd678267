"""Reading a project file and its saved run for the window, where every failure is a message.

``read_project(path)`` loads the file into a *new* ``Project`` and checks its graph (shape
inference; ``read_checked`` also returns that report, so the document does not infer again)
before anything in the window changes, so a file that is corrupt, truncated or
crashes a loader raises ``ProjectFileError`` with a learner-readable text and the open project
stays as it was. ``read_saved_run(path)`` reads the ``.npz`` sidecar beside it (weights and
history; ``None`` when there is none) and ``project_problem`` is the one-line verdict
``main.py FILE`` prints. ``is_bundled`` tells the bundled examples (never overwritten) apart.
Unexpected exceptions are logged (their type, at debug level) only: the learner sees words.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from app.examples import EXAMPLES_DIR
from engine.graph import ShapeReport
from engine.project import Project, load_project, load_weights, weights_path
from engine.types import LayerLabError, ProjectFileError

log = logging.getLogger(__name__)


def read_project(path: str | Path) -> Project:
    """The project in ``path``, checked; ``ProjectFileError`` (plain words) otherwise."""
    return read_checked(path)[0]


def read_checked(path: str | Path) -> tuple[Project, ShapeReport]:
    """``read_project`` with the shape report its check inferred, for
    ``ProjectDocument.load(project, path, report)``: the graph is inferred once per open
    (on a 2,000-layer chain each inference is ~40 % of the open's GUI-thread time)."""
    name = Path(path).name
    try:
        project = load_project(path)
        report = project.graph.infer_shapes()  # a graph the views cannot draw must not
        # replace one
    except LayerLabError as err:
        raise ProjectFileError(str(err)) from None
    except RecursionError:
        raise ProjectFileError(f"The file '{name}' is nested too deeply to be a LayerLab "
                               "project. Nothing was changed.") from None
    except Exception as err:  # noqa: BLE001 - any loader crash becomes a message
        log.debug("reading %s failed: %s", path, type(err).__name__)
        raise ProjectFileError(
            f"The file '{name}' cannot be opened: part of it is damaged or was not written by "
            "LayerLab. Nothing was changed; open a backup or an example instead.") from None
    return project, report


def read_saved_run(path: str | Path
                   ) -> tuple[dict[str, np.ndarray], dict[str, list[float]]] | None:
    """Weights and history from the sidecar of ``path``; None when there is no sidecar.
    A sidecar that cannot be read raises ``ProjectFileError`` (the project itself is fine)."""
    sidecar = weights_path(path)
    if not sidecar.is_file():
        return None
    damaged = (f"The trained weights in '{sidecar.name}' cannot be read (the file is damaged "
               "or incomplete), so the network starts from fresh weights.")
    try:
        weights, history = load_weights(sidecar)
    except Exception as err:  # noqa: BLE001 - zip, pickle and format errors alike
        log.debug("reading %s failed: %s", sidecar, type(err).__name__)
        raise ProjectFileError(damaged) from None
    if not weights:
        raise ProjectFileError(damaged)
    clean = {}
    for key, values in history.items():
        if isinstance(values, list) and all(isinstance(v, (int, float)) for v in values):
            clean[key] = [float(v) for v in values]
    return weights, clean


def project_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be opened (one message), or None when it can."""
    try:
        read_project(path)
    except ProjectFileError as err:
        return str(err)
    return None


def is_bundled(path: str | Path) -> bool:
    """Whether ``path`` is (or lies in) the bundled examples folder."""
    try:
        return Path(path).resolve().is_relative_to(EXAMPLES_DIR.resolve())
    except (OSError, ValueError):
        return False
