"""Live plot views fed with engine ``Snapshot``s from the GUI thread.

``LossPlot`` (loss/accuracy curves, earlier runs dimmed), ``DecisionPlot`` (2-D decision map
under the data), ``RegressionPlot`` (1-D fitted curve), ``NetworkView`` (Playground-style
neurons and weights) and ``ConfusionView``. Each creates its pyqtgraph items once and updates
them in place; each has ``set_theme("light" | "dark")``. Colours live in ``palette``.
"""

from widgets.plots.confusion_view import ConfusionView
from widgets.plots.decision_plot import DecisionPlot
from widgets.plots.loss_plot import LossPlot
from widgets.plots.network_view import NetworkView
from widgets.plots.regression_plot import RegressionPlot

__all__ = ["ConfusionView", "DecisionPlot", "LossPlot", "NetworkView", "RegressionPlot"]
