"""User preferences kept between sessions: recent files, theme, window layout, the training
thread count, first-run flags.

A thin typed wrapper over ``QSettings`` (QtCore only) so the window never spells keys or
converts types itself. Tests pass their own ``QSettings`` (an INI file in a temporary folder)
so they never touch the user's real preferences.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8
THEMES = ("light", "dark")
PRESENTER_SCALE = 1.5  # presenter mode's default text enlargement
PRESENTER_SCALES = (1.2, 2.5)  # the range the lecturer can choose from


class Settings:
    """Typed access to LayerLab's persistent preferences."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings("LayerLab", "LayerLab")

    # -- recent files --------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Most recent first; files that no longer exist are left out."""
        raw = self.store.value("recent_files", [], type=list)
        items = list(raw) if isinstance(raw, (list, tuple)) else []
        return [p for p in (str(x) for x in items) if p and Path(p).is_file()]

    def add_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        files = [p for p in self.recent_files() if p != path]
        self.store.setValue("recent_files", [path, *files][:MAX_RECENT])

    def remove_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        self.store.setValue("recent_files", [p for p in self.recent_files() if p != path])

    def clear_recent(self) -> None:
        self.store.setValue("recent_files", [])

    def last_project(self) -> str | None:
        files = self.recent_files()
        return files[0] if files else None

    @property
    def project_at_quit(self) -> str | None:
        """What was open when the window closed: a file (a saved project or a bundled
        example, opened again as a copy), "" for a new unsaved project, None if unknown."""
        value = self.store.value("project_at_quit", None)
        return None if value is None else str(value)

    @project_at_quit.setter
    def project_at_quit(self, value: str) -> None:
        self.store.setValue("project_at_quit", value)

    # -- appearance ----------------------------------------------------------------------------
    @property
    def theme(self) -> str:
        value = str(self.store.value("theme", "light"))
        return value if value in THEMES else "light"

    @theme.setter
    def theme(self, value: str) -> None:
        self.store.setValue("theme", value if value in THEMES else "light")

    @property
    def font_size(self) -> int:
        """Base point size of the interface (projector-friendly by default)."""
        value = self.store.value("font_size", 0, type=int)
        return int(value) if isinstance(value, (int, float, str)) and str(value).isdigit() else 0

    @font_size.setter
    def font_size(self, value: int) -> None:
        self.store.setValue("font_size", int(value))

    @property
    def presenter(self) -> bool:
        """Presenter mode (big text, thick lines, secondary panels hidden) was left on."""
        return bool(self.store.value("presenter/on", False, type=bool))

    @presenter.setter
    def presenter(self, value: bool) -> None:
        self.store.setValue("presenter/on", bool(value))

    @property
    def presenter_scale(self) -> float:
        """How much presenter mode enlarges text (1.2 to 2.5; 1.5 by default)."""
        try:
            value = float(str(self.store.value("presenter/scale", PRESENTER_SCALE)))
        except (TypeError, ValueError):
            return PRESENTER_SCALE
        return min(PRESENTER_SCALES[1], max(PRESENTER_SCALES[0], value)) if value == value \
            else PRESENTER_SCALE

    @presenter_scale.setter
    def presenter_scale(self, value: float) -> None:
        self.store.setValue("presenter/scale", float(value))

    # -- engine ------------------------------------------------------------------------------
    @property
    def training_threads(self) -> int:
        """Threads one training run may use (``engine.threads``): 0 for automatic (the usable
        cores − 1), else a whole number ≥ 1."""
        try:
            value = int(str(self.store.value("engine/threads", 0)))
        except (TypeError, ValueError):
            return 0
        return max(0, value)

    @training_threads.setter
    def training_threads(self, value: int) -> None:
        self.store.setValue("engine/threads", max(0, int(value)))

    # -- window layout -------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        value = self.store.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def window_state(self) -> QByteArray | None:
        value = self.store.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    def clear_window(self) -> None:
        self.store.remove("window/geometry")
        self.store.remove("window/state")

    # -- lessons (progress per lesson id; app.lesson_session) ------------------------------------
    @staticmethod
    def _lesson_key(lesson_id: str) -> str:
        return "lessons/" + "".join(c if c.isalnum() or c in "_-" else "_" for c in lesson_id)

    def lesson_progress(self, lesson_id: str) -> tuple[int, list[int]]:
        """(the step the learner was on, the steps passed), 0-based; (0, []) when new."""
        key = self._lesson_key(lesson_id)
        try:
            step = int(str(self.store.value(f"{key}/step", 0)))
            raw = self.store.value(f"{key}/passed", [], type=list)
            done = [int(str(x)) for x in (raw if isinstance(raw, (list, tuple)) else [])]
        except (TypeError, ValueError):
            return 0, []
        return max(step, 0), done

    def set_lesson_progress(self, lesson_id: str, step: int, passed: list[int]) -> None:
        key = self._lesson_key(lesson_id)
        self.store.setValue(f"{key}/step", int(step))
        self.store.setValue(f"{key}/passed", [int(i) for i in passed])

    def clear_lesson_progress(self, lesson_id: str) -> None:
        self.store.remove(self._lesson_key(lesson_id))

    # -- first run -----------------------------------------------------------------------------
    @property
    def first_run(self) -> bool:
        """True until the window has been shown once (the gallery opens on first start)."""
        return not bool(self.store.value("first_run_done", False, type=bool))

    def mark_first_run_done(self) -> None:
        self.store.setValue("first_run_done", True)

    @property
    def engine_prepared(self) -> bool:
        """True once the numba kernels were compiled (and cached) on this machine."""
        return bool(self.store.value("engine_prepared", False, type=bool))

    def mark_engine_prepared(self) -> None:
        self.store.setValue("engine_prepared", True)

    def sync(self) -> None:
        self.store.sync()
