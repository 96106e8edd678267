"""How a fuzz case ended: ``Tally`` counts ``ok`` / ``refused`` / ``crash`` / ``leak`` / ``hang``.

Shared by the project-file fuzzer (``engine.fuzz``) and the data-file fuzzer
(``engine.fuzz_data``), which import it from here rather than from each other.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.types import LayerLabError

HANG_SECONDS = 5.0
INTERNALS = re.compile(
    r"NoneType|has no attribute|Traceback|\b[A-Z][A-Za-z]*(Error|Exception)\b|__\w+__|<class|"
    r"unhashable|not subscriptable|not iterable|invalid literal|could not convert|"
    r"argument of type|positional argument|keyword argument|object of type|allow_pickle|"
    r"\bdtype\(|File \"")


@dataclass
class Tally:
    """Outcome counts and the first few problem cases (``(case id, what, message)``)."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    slowest: float = 0.0

    def record(self, case: str, action: Callable[[], None]) -> None:
        start = time.perf_counter()
        outcome, message = "ok", ""
        try:
            action()
        except LayerLabError as err:
            message = str(err)
            outcome = "leak" if INTERNALS.search(message) or not message else "refused"
        except Exception as err:  # noqa: BLE001 - a crash is what the fuzzer looks for
            outcome, message = "crash", f"{type(err).__name__}: {err}"[:300]
        seconds = time.perf_counter() - start
        self.slowest = max(self.slowest, seconds)
        if seconds > HANG_SECONDS:
            outcome, message = "hang", f"{seconds:.1f} s; {message}"
        self.counts[outcome] += 1
        if outcome in ("crash", "leak", "hang") and len(self.problems) < 50:
            self.problems.append((case, outcome, message))

    @property
    def bad(self) -> int:
        return self.counts["crash"] + self.counts["leak"] + self.counts["hang"]
