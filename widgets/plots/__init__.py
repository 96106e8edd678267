"""Live plot views fed with engine ``Snapshot``s from the GUI thread.

``LossPlot`` (loss/accuracy curves, earlier runs dimmed), ``DecisionPlot`` (2-D decision map
under the data), ``RegressionPlot`` (1-D fitted curve), ``NetworkView`` (Playground-style
neurons and weights) and ``ConfusionView``. Each creates its pyqtgraph items once and updates
them in place; each has ``set_theme("light" | "dark")``. Colours live in ``palette``.
"""

from widgets.plots.axis_cache import cache_axes

cache_axes()  # before any plot is built: axes are blitted, not redrawn (see axis_cache)

from widgets.plots.confusion_view import ConfusionView  # noqa: E402
from widgets.plots.decision_plot import DecisionPlot  # noqa: E402
from widgets.plots.loss_plot import LossPlot  # noqa: E402
from widgets.plots.network_view import NetworkView  # noqa: E402
from widgets.plots.regression_plot import RegressionPlot  # noqa: E402

__all__ = ["ConfusionView", "DecisionPlot", "LossPlot", "NetworkView", "RegressionPlot"]
