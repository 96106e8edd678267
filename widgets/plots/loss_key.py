"""The Loss panel's key (its legend, a rich-text line under the plots so it never hides a
curve): ``key_html(style, run_label, gan_color, kept)`` names the current run's curves —
train, epoch mean, validation; for a GAN (``gan_color`` set) discriminator and generator —
and each earlier run kept beside it (``kept``: ``(label, colour)`` pairs)."""

from __future__ import annotations

from html import escape

from widgets.plots.palette import VALIDATION, PlotStyle


def _entry(color: str, mark: str, text: str) -> str:
    return (f"<span style='color:{color}; font-weight:700'>{mark}</span>"
            f"&nbsp;{escape(text)}")


def key_html(style: PlotStyle, run_label: str, gan_color: str | None,
             kept: list[tuple[str, str]]) -> str:
    """One line in a 460 px column (1280×720): short names; the hover read-out and the
    tooltip say the rest (per step, smoothed; epoch means)."""
    s = style
    parts = [_entry(s.train, "━━", "train"), _entry(s.train, "━●━", "epoch mean"),
             _entry(VALIDATION, "╍■╍", "validation")]
    if gan_color is not None:  # a GAN: two networks, two losses (no validation loss)
        parts = [_entry(s.train, "━━", "discriminator"), _entry(gan_color, "━━", "generator"),
                 _entry(s.train, "━●━", "D + G (epoch mean)")]
    if kept:  # the run's name matters beside earlier runs (else: the tooltip)
        parts.insert(0, f"<b>{escape(run_label)}</b>:")
    parts += [_entry(color, "━━", f"earlier: {label}") for label, color in kept]
    return "&nbsp;&nbsp; ".join(parts)


def key_tooltip(run_label: str) -> str:
    return (f"{run_label}: the training loss of every step (smoothed), its mean over each "
            "epoch and the validation loss. Earlier runs stay dimmed for comparison until "
            "the plots are cleared.")
