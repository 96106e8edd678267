"""Reading one ``{...}`` entry of a lesson file with messages that name the place.

``Fields(raw, where)`` wraps the entry; each getter checks one value through
``engine.validation`` (raising ``LessonFileError``) and remembers the key, so ``done()`` can
refuse a misspelt key ("'at_lest' is not an entry LayerLab knows here") instead of silently
ignoring it.
"""

from __future__ import annotations

from typing import Any

from engine import validation
from engine.lessons.model import LessonFileError

_MISSING = object()
E = LessonFileError


class Fields:
    def __init__(self, raw: Any, where: str) -> None:
        self.raw: dict[str, Any] = validation.mapping(raw, where[0].upper() + where[1:], E)
        self.where = where[0].upper() + where[1:]
        self.used: set[str] = set()

    def _get(self, key: str, default: Any) -> Any:
        self.used.add(key)
        if key in self.raw:
            return self.raw[key]
        if default is _MISSING:
            raise E(f"{self.where} has no '{key}' entry; add it.")
        return default

    def value(self, key: str, default: Any = _MISSING) -> Any:
        """Any JSON value, unchecked (compared as written)."""
        return self._get(key, default)

    def text(self, key: str, default: Any = _MISSING, limit: int = validation.MAX_TEXT_CHARS,
             lines: bool = False) -> str:
        """Text; with ``lines`` a list of strings is joined with line breaks (long texts)."""
        value = self._get(key, default)
        if lines and isinstance(value, list):
            value = "\n".join(validation.text(v, f"{self.where}: '{key}'", limit, E)
                              for v in value)
        return validation.text(value, f"{self.where}: '{key}'", limit, E)

    def whole(self, key: str, default: Any = _MISSING, low: int | None = None,
              high: int | None = None) -> Any:
        value = self._get(key, default)
        if value is None and default is None:
            return None
        return validation.whole_number(value, f"{self.where}: '{key}'", low, high, E)

    def real(self, key: str, default: Any = _MISSING, low: float | None = None) -> float:
        return validation.real_number(self._get(key, default), f"{self.where}: '{key}'", low,
                                      None, E)

    def real_of(self, value: Any, key: str) -> float:
        """One number inside a list entry."""
        return validation.real_number(value, f"{self.where}: '{key}'", None, None, E)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise E(f"{self.where}: '{key}' must be true or false, not "
                    f"{validation.describe(value)}.")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Any = _MISSING) -> str:
        return validation.choice(self._get(key, default), f"{self.where}: '{key}'", choices, E)

    def mapping(self, key: str, default: Any = _MISSING) -> dict[str, Any]:
        return dict(validation.mapping(self._get(key, default), f"{self.where}: '{key}'", E))

    def items(self, key: str, default: Any = _MISSING, min_items: int = 0,
              max_items: int = 1000) -> list[Any]:
        value = validation.sequence(self._get(key, default), f"{self.where}: '{key}'",
                                    max_items, E)
        if len(value) < min_items:
            raise E(f"{self.where}: '{key}' needs at least {min_items} entries.")
        return value

    def done(self) -> None:
        """Refuse keys nobody read (a misspelling would otherwise be ignored silently)."""
        unknown = [k for k in self.raw if k not in self.used]
        if unknown:
            raise E(f"{self.where} has an entry '{validation.describe(unknown[0])[1:-1]}' that "
                    f"LayerLab does not know here (known: {', '.join(sorted(self.used))}); "
                    "check its spelling.")
