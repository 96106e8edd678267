"""Wires every deep view into the "Look inside" dock and keeps it in step with the project.

``InsideController`` builds ``InsideViews`` with the CNN views (filters, feature maps, kernel
playground, misclassified gallery), the introspection views (saliency, adversarial, layer map,
dynamics, evaluation, Coach), the generative views (latent space, traversal, reconstructions,
GAN) and the sequence views when their module exists. It tells the dock which tabs are
relevant (``ViewContext`` from the document's graph, dataset and recipe), forwards snapshots,
and sends the visible view's probe requests to the training session (plus the Coach's, which
always listens). Views that ask nothing of their own get an adapter here (``_REQUESTS``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from app.document import ProjectDocument
from app.session import TrainingSession
from engine.training import TrainConfig
from widgets.panels.inside_dock import InsideViews, ViewContext
from widgets.views.adversarial_view import AdversarialView
from widgets.views.coach_panel import CoachPanel
from widgets.views.dynamics_view import DynamicsView
from widgets.views.evaluation_view import EvaluationView
from widgets.views.feature_maps import FeatureMapView
from widgets.views.filter_grid import FilterGridView
from widgets.views.gan_view import GANView
from widgets.views.kernel_playground import KernelPlayground
from widgets.views.latent_scatter import LatentScatterView
from widgets.views.latent_traversal import LatentTraversalView
from widgets.views.layer_latent_view import LayerLatentView
from widgets.views.misclassified import MisclassifiedGallery
from widgets.views.recipe_options_form import RecipeOptionsForm
from widgets.views.reconstruction_view import ReconstructionView
from widgets.views.saliency_view import SaliencyView

CONV_KINDS = ("Conv2D", "Conv2DTranspose")
GENERATIVE = ("autoencoder", "vae")


def _classifier(c: ViewContext) -> bool:
    return c.task == "classification" and c.recipe in ("supervised", "")


def _continuous_classifier(c: ViewContext) -> bool:
    """Saliency and adversarial examples nudge input values: meaningless for token ids."""
    return _classifier(c) and not c.has("Embedding", "OneHot")


def _supervised(c: ViewContext) -> bool:
    return c.recipe in ("supervised", "") and bool(c.task)


class InsideController(QObject):
    """Owns the "Look inside" views of one window; see the module docstring."""

    def __init__(self, doc: ProjectDocument, session: TrainingSession,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc, self.session = doc, session
        self.dock = InsideViews()
        self.data: Any = None
        self.decoder: Any = None
        self._maps_sample: Any = None  # an image clicked in the Mistakes gallery, (C, H, W)
        self.coach = CoachPanel()
        self._build()
        self.dock.requests_changed.connect(self._send_requests)
        session.advice_changed.connect(self.coach.set_advice)
        session.state_changed.connect(self.coach.set_run_state)
        session.snapshot_ready.connect(self.add_snapshot)
        session.history_cleared.connect(self.on_session_loaded)  # the old model goes
        session.model_ready.connect(self.on_session_loaded)  # the new one is in place
        doc.training_changed.connect(self._on_training_changed)

    # -- building --------------------------------------------------------------------------------
    def _build(self) -> None:
        add = self.dock.add_view
        self.filters, self.maps = FilterGridView(), FeatureMapView()
        self.playground, self.mistakes = KernelPlayground(), MisclassifiedGallery()
        self.saliency, self.adversarial = SaliencyView(), AdversarialView()
        self.layer_map, self.dynamics = LayerLatentView(), DynamicsView()
        self.evaluation = EvaluationView()
        self.latent, self.traversal = LatentScatterView(), LatentTraversalView()
        self.reconstruction, self.gan = ReconstructionView(), GANView()
        self.recipe_form = RecipeOptionsForm(self.doc)
        add("filters", "Filters", self.filters, lambda c: c.has(*CONV_KINDS))
        add("feature_maps", "Feature maps", self.maps,
            lambda c: c.image_input and c.recipe in ("supervised", ""))
        self._add_sequence_views()  # before saliency: the first tab of a sequence model
        add("saliency", "Saliency", self.saliency, _continuous_classifier)
        add("adversarial", "Adversarial", self.adversarial, _continuous_classifier)
        add("mistakes", "Mistakes", self.mistakes, lambda c: _classifier(c) and c.image_input)
        add("latent", "Latent space", self.latent, lambda c: c.recipe in GENERATIVE)
        add("traversal", "Latent traversal", self.traversal, lambda c: c.recipe in GENERATIVE)
        add("reconstruction", "Reconstructions", self.reconstruction,
            lambda c: c.recipe in GENERATIVE)
        add("gan", "GAN", self.gan, lambda c: c.recipe == "gan", always=True)
        add("recipe", "Recipe settings", self.recipe_form,
            lambda c: c.recipe in (*GENERATIVE, "gan"))
        add("layer_map", "Layer map", self.layer_map, _supervised)
        add("dynamics", "Dynamics", self.dynamics, _supervised, always=True)
        add("evaluation", "Evaluation", self.evaluation, _classifier)
        add("kernel", "Kernel playground", self.playground, lambda c: c.image_input)
        add("coach", "Coach", self.coach, lambda c: True)
        for entry in self.dock.entries.values():
            signal = getattr(entry.widget, "requests_changed", None)
            if signal is not None:
                signal.connect(self._on_view_requests)
        self.maps.sample_changed.connect(self._on_maps_sample_changed)
        self.mistakes.image_clicked.connect(self._show_maps_of)
        self.latent.sample_clicked.connect(self.traversal.choose_sample)
        self.evaluation_hook()

    def _add_sequence_views(self) -> None:
        """The sequence views (attention, hidden states...) register themselves if present."""
        try:
            module = importlib.import_module("widgets.views.sequence_views")
        except ImportError:
            return
        register = getattr(module, "register_views", None)
        if register is not None:
            register(self.dock)

    def evaluation_hook(self) -> None:
        chosen = getattr(self.evaluation, "sample_chosen", None)
        if chosen is not None:
            chosen.connect(self._explain_sample)

    # -- requests --------------------------------------------------------------------------------
    def requests(self) -> dict[str, Any]:
        """What the training thread should compute: the visible view's probes + the Coach's."""
        key = self.current_key()
        adapter = _REQUESTS.get(key or "")
        asked = adapter(self) if adapter is not None else self.dock.probe_requests()
        if not self.dock.isVisible():
            asked = {}
        return {**self.coach.probe_requests(), **asked}

    def current_key(self) -> str | None:
        widget = self.dock.current_view()
        return widget.property("inside_key") if widget is not None else None

    def _on_view_requests(self, *_: Any) -> None:
        self._send_requests()

    def _send_requests(self, *_: Any) -> None:
        self.session.set_probe_requests(self.requests())

    def _on_maps_sample_changed(self, _index: int) -> None:
        self._maps_sample = None  # the spin box picks a dataset sample again
        self._send_requests()

    def _show_maps_of(self, image: Any) -> None:
        self._maps_sample = image
        if self.dock.show_view("feature_maps"):
            self._send_requests()

    def _explain_sample(self, index: int) -> None:
        if self.dock.show_view("saliency"):
            spin = getattr(self.saliency, "sample_spin", None)
            if spin is not None:
                spin.setValue(int(index))

    # -- project → views ---------------------------------------------------------------------------
    def set_context_from(self, doc: Any, data: Any) -> None:
        """Recompute which tabs are relevant from the graph, the data and the recipe."""
        graph = doc.graph
        context = ViewContext(
            layer_kinds={name: node.kind for name, node in graph.nodes.items()},
            recipe=str(getattr(doc.project, "recipe", "supervised") or "supervised"),
            task=str(getattr(data, "task", "") or ""),
            input_shape=tuple(getattr(data, "input_shape", ()) or ()),
            n_classes=int(getattr(data, "n_classes", 0) or 0),
            input_parts=tuple(str(node.options.get("part", "") or "").strip()
                              for node in graph.nodes.values() if node.kind == "Input"),
            dataset=str(getattr(data, "name", "") or ""))
        report = doc.report
        inputs = [n for n, node in graph.nodes.items() if node.kind == "Input"]
        for view in (self.saliency, self.layer_map):
            hook = getattr(view, "set_layers", None)
            if hook is not None:
                hook(dict(report.shapes), inputs[0] if inputs else None)
        self.dock.set_context(context)
        self.recipe_form.set_recipe(context.recipe)
        self._send_requests()

    def reset(self) -> None:
        """Another project: nothing of the old one stays — its dataset (the Feature maps
        request reads its samples), the image picked in the Mistakes gallery, the decoder of
        a generative model, the last snapshot and what each view drew (first captions and
        hints again). The new project's context and data follow."""
        self.data, self._maps_sample, self.decoder = None, None, None
        self.traversal.decode_point = self.latent.decode_point = None  # the old model's
        self.latent.reconstruct_sample = None
        self.dock.reset_views()

    def set_dataset(self, data: Any) -> None:
        self.data = data
        self.dock.set_dataset(data)

    def _on_training_changed(self, config: TrainConfig) -> None:
        """Recipe options (β, KL warm-up, GAN learning rates...) reach a running trainer
        before its next chunk; the session hands them to the training thread."""
        self.session.set_recipe_options(dict(config.recipe_options or {}))

    def set_theme(self, name: str) -> None:
        self.dock.set_theme(name)

    def add_snapshot(self, snap: Any) -> None:
        if self.decoder is not None:
            self.decoder.sync(snap)
        self.dock.add_snapshot(snap)

    def on_session_loaded(self) -> None:
        """A (re)prepared model: the generative views decode with a private copy of it."""
        self.decoder = None
        prepared, project = self.session.prepared, self.session.project
        if prepared is None or project is None or project.recipe not in GENERATIVE:
            return
        from app.latent_decoder import LatentDecoder

        try:
            self.decoder = LatentDecoder(project, prepared.model)
        except Exception:  # noqa: BLE001 - no decoder: the views still show the probes
            self.decoder = None
            return
        self.traversal.decode_point = self.decoder.decode_point
        self.latent.decode_point = self.decoder.decode_point
        self.latent.reconstruct_sample = self.decoder.reconstruct
        for view in (self.latent, self.traversal, self.reconstruction, self.gan):
            view.set_dataset(prepared.data)


def _maps_request(ctl: InsideController) -> dict[str, Any]:
    """Feature maps of the image clicked in the gallery, else of the chosen dataset sample."""
    if ctl._maps_sample is not None:
        return {"cnn_maps": {"sample": ctl._maps_sample}}
    x_val = getattr(ctl.data, "x_val", None)
    if x_val is None or not len(x_val):
        return {"cnn_maps": {}}
    index = min(ctl.maps.sample, len(x_val) - 1)
    return {"cnn_maps": {"index": index, "sample": x_val[index]}}


_REQUESTS: dict[str, Callable[[InsideController], dict[str, Any]]] = {
    "filters": lambda ctl: {"cnn_filters": {}},
    "feature_maps": _maps_request,
    "mistakes": lambda ctl: {"cnn_misclassified": {"limit": 24}},
    "kernel": lambda ctl: {},
    "latent": lambda ctl: {}, "traversal": lambda ctl: {}, "reconstruction": lambda ctl: {},
    "gan": lambda ctl: {},
}
