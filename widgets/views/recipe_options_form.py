"""The options of the generative recipes (autoencoder, VAE, GAN) as an undoable form.

Built from ``engine.generative.options.recipe_option_specs(recipe)`` with ``OptionForm``. An
edit goes through ``doc.set_training({"recipe_options": {...}})`` (one undo step; only values
that differ from their defaults are stored). The trainers re-read ``recipe_options`` before
every chunk of steps, so the options marked "live" (β, KL warm-up, noise, k, learning rates)
change a running training; the others apply at the next start. The form follows the document
(``training_changed``, ``project_loaded``); ``set_recipe`` rebuilds it for another recipe.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from engine.generative.options import recipe_option_specs, resolve
from engine.types import LayerLabError
from widgets.forms.option_form import OptionForm, label_for
from widgets.views.gen_common import muted_label

LIVE = {
    "autoencoder": {"input_noise", "noise_level", "sparsity"},
    "vae": {"input_noise", "noise_level", "sparsity", "beta", "kl_warmup_epochs"},
    "gan": {"noise_distribution", "d_steps", "g_learning_rate", "d_learning_rate",
            "coverage_share"},
}
LABELS = {"beta": "β (KL weight)", "kl_warmup_epochs": "KL warm-up (epochs)",
          "d_steps": "D steps per G step (k)", "g_learning_rate": "G learning rate",
          "d_learning_rate": "D learning rate", "g_optimizer": "G optimizer",
          "d_optimizer": "D optimizer", "n_fixed": "Fixed noise samples",
          "noise_dim": "Noise size", "code_layer": "Code layer"}
AUTOMATIC = {"noise_dim": "(from the generator's Input)", "g_learning_rate": "(training's)",
             "d_learning_rate": "(training's)", "g_optimizer": "(the training optimizer)",
             "d_optimizer": "(the training optimizer)",
             "code_layer": "(the narrowest layer; a VAE: Sampling)"}
HINT = ("Options marked ● change a running training at its next chunk of steps (the trainer "
        "re-reads them); the others apply when training starts again.")
NONE_TEXT = "This recipe has no options of its own."


def form_specs(recipe: str) -> list[dict[str, Any]]:
    """``recipe_option_specs`` in ``OptionForm``'s keys (kind, low, high, choices, help)."""
    return [{"name": s["name"], "kind": s["type"] if s["type"] != "str" else "text",
             "default": s["default"], "low": s["min"], "high": s["max"],
             "choices": s["choices"], "help": s["help"]} for s in recipe_option_specs(recipe)]


class RecipeOptionsForm(QWidget):
    """Editors of ``doc.project.training.recipe_options`` for the project's recipe."""

    def __init__(self, doc: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.recipe = ""
        self.form = OptionForm()
        self.form.values_edited.connect(self._on_edited)
        self.title = QLabel()
        self.hint = muted_label(HINT)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #D55E00;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        doc.training_changed.connect(lambda *_: self.refresh())
        doc.project_loaded.connect(lambda: self.set_recipe(doc.project.recipe))
        self.set_recipe(doc.project.recipe)

    def set_recipe(self, recipe: str) -> None:
        """Rebuild the editors for ``recipe`` (no options: a short note)."""
        self.recipe = recipe
        specs = form_specs(recipe)
        self.form.set_specs(specs, self._stored())
        for spec in specs:
            editor = self.form.editors[spec["name"]]
            if isinstance(editor, QDoubleSpinBox) and spec["name"].endswith("learning_rate"):
                editor.setDecimals(5)
                editor.setSingleStep(0.0001)
            auto = AUTOMATIC.get(spec["name"])
            if auto and isinstance(editor, QAbstractSpinBox):
                editor.setSpecialValueText(auto)  # shown at the minimum, 0
            elif auto and isinstance(editor, QLineEdit):
                editor.setPlaceholderText(auto)
            label = self.form.layout_.labelForField(editor)
            if isinstance(label, QLabel):
                live = spec["name"] in LIVE.get(recipe, set())
                text = LABELS.get(spec["name"], label_for(spec["name"]))
                label.setText(f"{text} ●" if live else text)
                label.setToolTip(spec["help"] + (" (changes a running training)" if live
                                                 else ""))
        self.form.set_values(self._stored())
        names = {"autoencoder": "Autoencoder", "vae": "Variational autoencoder", "gan": "GAN"}
        self.title.setText(f"<b>{names.get(recipe, recipe)} options</b>" if specs
                           else NONE_TEXT)
        self.hint.setVisible(bool(specs))

    def _stored(self) -> dict[str, Any]:
        return dict(self.doc.project.training.recipe_options or {})

    def refresh(self) -> None:
        """Show the document's values (after undo/redo or a change elsewhere)."""
        if self.doc.project.recipe != self.recipe:
            self.set_recipe(self.doc.project.recipe)
        else:
            self.form.set_values(self._stored())

    def _on_edited(self) -> None:
        defaults = {s["name"]: s["default"] for s in self.form.specs}
        values = {k: v for k, v in self.form.values().items() if v != defaults.get(k)}
        try:
            resolve(self.recipe, values)  # a learner-readable ConfigError on a bad value
            self.doc.set_training({"recipe_options": values})
        except LayerLabError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        self.error.hide()


def option_rows(form: RecipeOptionsForm) -> list[str]:
    """The row labels shown (for tests and tooltips)."""
    layout: QFormLayout = form.form.layout_
    out = []
    for row in range(layout.rowCount()):
        item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel):
            out.append(label.text())
    return out
