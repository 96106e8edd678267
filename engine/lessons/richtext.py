"""Lesson text -> Qt rich text (HTML subset), so authors write plain text with formulas.

Markup (docs/LESSONS.md): a blank line starts a paragraph; lines starting with ``- `` make a
list; ``**bold**``, ``*italic*``, ``` `code` ```; ``![alt](picture.png)`` shows a picture from
the lesson's folder or ``assets/``; ``$...$`` is a formula: ``x_i``/``x_{ij}`` subscripts,
``x^2``/``e^{-x}`` superscripts, Greek letters and symbols by name (``\\sigma``, ``\\eta``,
``\\sum``, ``\\cdot``, ``\\times``, ``\\le``, ``\\to``, ``\\partial``...), ``\\frac{a}{b}``
as a/b, ``\\sqrt{x}`` as √(x). Everything else is escaped: a lesson cannot inject markup.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from engine.lessons.actions import ASSETS

SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ",
    "omega": "ω", "Delta": "Δ", "Sigma": "Σ", "sum": "∑", "prod": "∏", "cdot": "·",
    "times": "×", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠",
    "approx": "≈", "to": "→", "rightarrow": "→", "leftarrow": "←", "partial": "∂",
    "nabla": "∇", "infty": "∞", "in": "∈", "pm": "±", "odot": "⊙", "log": "log",
    "exp": "exp", "max": "max", "min": "min", "tanh": "tanh", "quad": "\u2003",
}
_GROUP = r"\{([^{}]*)\}"
_INLINE = re.compile(r"(\$[^$]+\$|`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*|!\[[^\]]*\]\([^)]+\))")


def formula(tex: str) -> str:
    """One ``$...$`` body -> HTML with <sub>, <sup> and Unicode symbols (escaped)."""
    out = html.escape(tex, quote=False)
    for _ in range(8):  # innermost groups first: e^{-z} inside \frac{1}{1+e^{-z}}
        before = out
        for mark, tag in (("_", "sub"), (r"\^", "sup")):
            out = re.sub(mark + _GROUP, rf"<{tag}>\1</{tag}>", out)
        out = re.sub(r"\\hat" + _GROUP, "\\1\u0302", out)
        out = re.sub(r"\\bar" + _GROUP, "\\1\u0304", out)
        out = re.sub(r"\\frac" + _GROUP + _GROUP, r"(\1)/(\2)", out)
        out = re.sub(r"\\sqrt" + _GROUP, r"√(\1)", out)
        if out == before:
            break
    out = re.sub(r"\\([A-Za-z]+)", lambda m: SYMBOLS.get(m.group(1), m.group(1)), out)
    for mark, tag in (("_", "sub"), (r"\^", "sup")):
        out = re.sub(mark + r"(-?[A-Za-z0-9]|[^\s<])", rf"<{tag}>\1</{tag}>", out)
    out = out.replace("{", "").replace("}", "")
    return f"<i>{out}</i>"


def _picture(alt: str, target: str, folder: Path | None) -> str:
    for base in ([folder] if folder else []) + [ASSETS]:
        path = (base / target).resolve()
        if path.is_file() and path.suffix.lower() in (".png", ".jpg", ".jpeg", ".svg", ".gif"):
            return f'<img src="{html.escape(path.as_uri())}" alt="{html.escape(alt)}">'
    return f"[picture not found: {html.escape(target)}]"


def _inline(text: str, folder: Path | None) -> str:
    parts = []
    for i, piece in enumerate(_INLINE.split(text)):
        if i % 2 == 0:
            parts.append(html.escape(piece, quote=False))
        elif piece.startswith("$"):
            parts.append(formula(piece[1:-1]))
        elif piece.startswith("`"):
            parts.append(f"<code>{html.escape(piece[1:-1], quote=False)}</code>")
        elif piece.startswith("**"):
            parts.append(f"<b>{html.escape(piece[2:-2], quote=False)}</b>")
        elif piece.startswith("!["):
            alt, target = re.match(r"!\[([^\]]*)\]\(([^)]+)\)", piece).groups()  # type: ignore
            parts.append(_picture(alt, target, folder))
        else:
            parts.append(f"<i>{html.escape(piece[1:-1], quote=False)}</i>")
    return "".join(parts)


def to_html(text: str, folder: Path | None = None) -> str:
    """Lesson markup -> HTML for a QLabel/QTextBrowser."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:], folder)}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append(f"<p>{'<br>'.join(_inline(line, folder) for line in lines)}</p>")
    return "".join(blocks)
