"""The generator's loss on the Loss panel of a GAN run, beside the discriminator's.

A GAN snapshot's ``batch_losses`` are the discriminator's losses (one per step) and
``extra["g_losses"]`` the generator's (one per ``d_steps`` steps: ``engine.generative.gan``).
``GeneratorLoss.add(first, n_steps, g_losses, weight)`` spreads a chunk's generator losses
evenly over its ``n_steps`` steps from step ``first`` and keeps them, raw and EMA-smoothed,
for two curves of the loss plot (drawn in the GAN view's colour of G, vermillion). ``active``
says whether this run is a GAN's: the panel's key then names the curves "discriminator" and
"generator".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from widgets.plots.palette import OKABE_ITO, PlotStyle
from widgets.plots.series import GrowingSeries, ema

GENERATOR = OKABE_ITO["vermillion"]  # as "G loss" in the GAN view (widgets/views/gan_curves)


class GeneratorLoss:
    """Raw and smoothed generator loss curves on ``plot`` (see the module docstring)."""

    color = GENERATOR

    def __init__(self, plot: pg.PlotItem) -> None:
        self.raw, self.smooth = GrowingSeries(), GrowingSeries()
        self._ema_state: tuple[float, int] = (0.0, 0)
        self.raw_item = plot.plot(name=None)
        self.smooth_item = plot.plot(name="generator")
        self.active = False

    def add(self, first: int, n_steps: int, g_losses: Any, weight: float) -> bool:
        """Append one chunk's generator losses; True when this made the run a GAN's."""
        g = np.asarray(g_losses, dtype=np.float64).reshape(-1)
        if not len(g) or n_steps <= 0:
            return False
        xs = first - 1 + np.arange(1, len(g) + 1) * (n_steps / len(g))  # (len(g),) steps
        self.raw.extend(xs, g)
        smooth, self._ema_state = ema(g, weight, self._ema_state)
        self.smooth.extend(xs, smooth)
        became, self.active = not self.active, True
        return became

    def resmooth(self, weight: float) -> None:
        """Smooth the kept losses again with a new ``weight`` (the panel's slider)."""
        smooth, self._ema_state = ema(self.raw.y, weight)
        self.smooth.clear()
        self.smooth.extend(self.raw.x, smooth)
        self.smooth_item.setData(self.smooth.x, self.smooth.y)

    def redraw(self) -> None:
        if self.active:
            self.raw_item.setData(self.raw.x, self.raw.y)
            self.smooth_item.setData(self.smooth.x, self.smooth.y)

    def clear(self) -> None:
        self.raw.clear()
        self.smooth.clear()
        self._ema_state, self.active = (0.0, 0), False
        self.raw_item.setData([], [])
        self.smooth_item.setData([], [])

    def last_x(self) -> float:
        return float(self.raw.x[-1]) if self.raw.n else 0.0

    def set_theme(self, s: PlotStyle) -> None:
        raw = pg.mkColor(GENERATOR)
        raw.setAlpha(55 if s.name == "light" else 45)
        self.raw_item.setPen(pg.mkPen(raw, width=1))
        self.smooth_item.setPen(pg.mkPen(GENERATOR, width=2.5))
