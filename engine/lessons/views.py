"""The views a lesson can bring to the front (``show_view``) or check are on screen
(``view_shown``): the window's docks and the tabs of its "Look inside" dock.

A name is either a dock (``loss``, ``decision``, ``network``...) or a Look-inside tab key
(``saliency``, ``gan``, ``time_gradients``...; ``widgets.controllers.inside_controller`` and
``widgets.views.sequence_views`` register the tabs under these keys, and a widget test keeps
the two lists equal). A tab name implies its dock: showing ``saliency`` shows ``inside``.
"""

from __future__ import annotations

DOCK_VIEWS = ("loss", "decision", "output", "regression", "network", "confusion", "inside")
INSIDE_VIEWS = ("filters", "feature_maps", "saliency", "adversarial", "mistakes", "latent",
                "traversal", "reconstruction", "gan", "recipe", "layer_map", "dynamics",
                "evaluation", "kernel", "coach", "translate", "attention", "hidden_states",
                "time_gradients", "generate")
VIEWS = DOCK_VIEWS + INSIDE_VIEWS
VIEW_WORDS = {"loss": "the Loss view", "decision": "the decision map",
              "output": "the Output view", "regression": "the fitted curve",
              "network": "the Network view", "confusion": "the confusion matrix",
              "inside": "the Look inside panel", "feature_maps": "Look inside → Feature maps",
              "layer_map": "Look inside → Layer map", "time_gradients":
              "Look inside → Gradients through time", "hidden_states":
              "Look inside → Hidden states", "translate": "Look inside → Translations",
              "generate": "Look inside → Generated text", "kernel":
              "Look inside → Kernel playground", "mistakes": "Look inside → Mistakes",
              "recipe": "Look inside → Recipe settings", "latent": "Look inside → Latent space",
              "traversal": "Look inside → Latent traversal",
              "reconstruction": "Look inside → Reconstructions", "gan": "Look inside → GAN"}


def view_words(view: str) -> str:
    """``"saliency"`` -> ``"Look inside → Saliency"`` (what a learner reads)."""
    return VIEW_WORDS.get(view, f"Look inside → {view.replace('_', ' ').capitalize()}")


def shown_with(view: str) -> set[str]:
    """The names on screen once ``view`` is brought to the front (a tab and its dock)."""
    return {view, "inside"} if view in INSIDE_VIEWS else {view}
