"""The sequence views of the "Look inside" dock and when each one is relevant.

``widgets.controllers.inside_controller`` imports this module when it exists and calls
``register_views(dock)``; each view then receives snapshots, datasets and themes from the dock
and its ``requests_changed`` is connected by the controller. The probes they ask for
(``attention``, ``hidden_states``, ``time_gradients``, ``generate``, ``translate``) are the
runners of ``engine.introspection.sequence_probes.SEQUENCE_RUNNERS``.
"""

from __future__ import annotations

from typing import Any

from engine.introspection.translation import DECODER_PART
from widgets.panels.inside_dock import ViewContext
from widgets.views.attention_view import AttentionView
from widgets.views.generated_text_view import GeneratedTextView
from widgets.views.hidden_state_view import HiddenStateView
from widgets.views.time_gradient_view import TimeGradientView
from widgets.views.translation_view import TranslationView

ATTENTION_KINDS = ("MultiHeadAttention", "ScaledDotProductAttention")
RECURRENT_KINDS = ("SimpleRNN", "LSTM", "GRU", "Bidirectional")
TOKEN_KINDS = ("Embedding", "OneHot")


def _supervised(c: ViewContext) -> bool:
    return c.recipe in ("supervised", "")


def has_attention(c: ViewContext) -> bool:
    return _supervised(c) and c.has(*ATTENTION_KINDS)


def has_recurrence(c: ViewContext) -> bool:
    return _supervised(c) and c.has(*RECURRENT_KINDS)


def trains_recurrence(c: ViewContext) -> bool:
    return has_recurrence(c) and bool(c.task)


def writes_text(c: ViewContext) -> bool:
    """Token ids in, a class per token out: a next-token model may be (the probe says why
    not when the output is not (T, V)); not an encoder–decoder (its Inputs receive parts)."""
    return (_supervised(c) and c.task == "classification" and len(c.input_shape) == 1
            and c.n_classes > 2 and c.has(*TOKEN_KINDS) and not any(c.input_parts))


def translates(c: ViewContext) -> bool:
    """An encoder–decoder (an Input receives the decoder input), or the dates dataset."""
    return _supervised(c) and (DECODER_PART in c.input_parts or c.dataset == "dates")


VIEWS = (("translate", "Translations", TranslationView, translates),
         ("attention", "Attention", AttentionView, has_attention),
         ("hidden_states", "Hidden states", HiddenStateView, has_recurrence),
         ("time_gradients", "Gradients through time", TimeGradientView, trains_recurrence),
         ("generate", "Generated text", GeneratedTextView, writes_text))


def register_views(dock: Any) -> dict[str, Any]:
    """Add the views to ``dock`` (``widgets.panels.inside_dock.InsideViews``); returns them by
    key."""
    made: dict[str, Any] = {}
    for key, title, cls, relevant in VIEWS:
        made[key] = cls()
        dock.add_view(key, title, made[key], relevant)
    return made
