"""A log-scale axis labelled with plain numbers: 0.001, 0.01, 0.1, 1 — never "10⁻³", never
unlabelled "2 3 … 9" minor ticks without a decade (pyqtgraph's default on a range shorter
than a decade, e.g. an empty plot), never an SI scale such as "(x0.001)".

``LogAxis(orientation)`` is a ``pg.AxisItem``; put the plot in log mode as usual
(``setLogMode``). Values are log10 of the data: decades are labelled, every ``k``-th when
they would crowd; a range of fewer than two decades adds labelled 2 and 5 (then 1–9)
multiples; other 1–9 multiples are unlabelled minor ticks.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from widgets.plots.palette import no_si_prefix

LABEL_PX = 56  # room one label needs along the axis (horizontal: "0.0001"; vertical: ~3 lines)


def plain(value: float) -> str:
    """``value`` in plain decimals, 3 significant digits: 0.001, 0.25, 10, 2000."""
    return np.format_float_positional(float(f"{value:.3g}"), trim="-")


class LogAxis(pg.AxisItem):
    """See the module docstring."""

    def __init__(self, orientation: str, **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._labelled: set[float] = set()
        no_si_prefix(self)

    def tickValues(self, minVal: float, maxVal: float, size: float  # noqa: N802 - pyqtgraph
                   ) -> list[tuple[float, list[float]]]:
        if not self.logMode:
            return list(super().tickValues(minVal, maxVal, size))
        lo, hi = sorted((minVal, maxVal))
        room = max(2, int(size / (LABEL_PX if self.orientation in ("top", "bottom") else 40)))
        decades = list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))
        step = next(k for k in (1, 2, 3, 5, 10, 20, 50, 100) if len(decades) / k <= room)
        major = [float(d) for d in decades if d % step == 0]
        minor = [d + math.log10(m) for d in range(math.floor(lo), math.ceil(hi) + 1)
                 for m in range(2, 10)]
        minor = [v for v in minor if lo <= v <= hi] if step == 1 else []
        for multiples in ((2, 5), tuple(range(2, 10))):
            if len(major) >= 2:
                break
            extra = [v for v in minor if round(10 ** (v % 1)) in multiples]
            major = sorted(set(major) | set(extra))
        self._labelled = {round(v, 9) for v in major}
        return [(float(step), major), (1.0, [v for v in minor if round(v, 9) not in
                                             self._labelled])]

    def tickStrings(self, values: list[float], scale: float,  # noqa: N802 - pyqtgraph
                    spacing: float) -> list[str]:
        if not self.logMode:
            return list(super().tickStrings(values, scale, spacing))
        return [plain(10.0 ** v) if round(v, 9) in self._labelled else "" for v in values]
