"""The window's log file: warnings and errors (a panel that failed, a worker that stopped)
go to ``layerlab.log`` in the user's log folder (``engine.resources.user_log_dir``), rotated at
1 MB, three old files kept — a window started from a desktop menu has no terminal to read."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from engine.resources import user_log_dir

LOG_NAME = "layerlab.log"


def log_to_file(folder: Path | None = None) -> Path | None:
    """Add a rotating file handler (WARNING and above) to the root logger; returns the file,
    or None when the folder cannot be written (the app runs on without a log file)."""
    folder = folder if folder is not None else user_log_dir()
    path = folder / LOG_NAME
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8",
                                      delay=True)  # no empty file until a warning
    except OSError:
        return None
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path
