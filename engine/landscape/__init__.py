"""Loss landscapes: classic 2-D surfaces and the optimizer race (``surfaces.py``,
``race.py``), and a real network's loss surface along two filter-normalized directions
(``network.py``, Li et al. 2018)."""

from engine.landscape.network import LossSurface, filter_normalized_direction, loss_surface
from engine.landscape.race import RACERS, VERDICTS, Race, Racer
from engine.landscape.surfaces import SURFACES, Surface

__all__ = ["RACERS", "SURFACES", "VERDICTS", "LossSurface", "Race", "Racer", "Surface",
           "filter_normalized_direction", "loss_surface"]
