"""Code export: a project as a readable NumPy script or a PyTorch module + training script.

``export_project`` (``writer.py``) writes the script, the weights and the data beside it.
``plan.py`` describes the network independently of the target; ``numpy_templates.py`` and
``torch_templates.py`` hold one code template per layer kind (a registry, like
``engine.layers.registry``), so an unsupported kind gives a message listing what is supported.
No Qt, and torch is imported only by the generated scripts (and the tests).
"""

from engine.export.plan import ExportError
from engine.export.writer import TARGETS, export_project, script_stem

__all__ = ["TARGETS", "ExportError", "export_project", "script_stem"]
