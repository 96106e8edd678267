"""Copy and paste of layers through the system clipboard (a JSON payload with its own MIME type).

``layers_to_mime`` stores the chosen nodes with the wires between them; ``layers_from_mime``
reads them back as engine ``Node``/``Edge`` values for ``ProjectDocument.paste_layers``. The
plain-text flavour holds the same JSON, so a copied network can be pasted into a message.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from engine.graph import Edge, Node

MIME_LAYERS = "application/x-layerlab-layers"


def layers_to_mime(nodes: list[Node], edges: list[Edge]) -> QMimeData:
    payload = json.dumps({
        "layers": [{"name": n.name, "kind": n.kind, "options": n.options,
                    "position": list(n.position)} for n in nodes],
        "edges": [[e.source, e.target, e.port] for e in edges],
    })
    mime = QMimeData()
    mime.setData(MIME_LAYERS, payload.encode("utf-8"))
    mime.setText(payload)
    return mime


def layers_from_mime(mime: QMimeData | None) -> tuple[list[Node], list[Edge]] | None:
    """The layers and wires in ``mime``, or None when it holds no LayerLab layers."""
    if mime is None or not mime.hasFormat(MIME_LAYERS):
        return None
    try:
        data: dict[str, Any] = json.loads(bytes(mime.data(MIME_LAYERS).data()).decode("utf-8"))
        nodes = [Node(str(d["name"]), str(d["kind"]), dict(d.get("options", {})),
                      (float(d["position"][0]), float(d["position"][1])))
                 for d in data["layers"]]
        edges = [Edge(str(s), str(t), int(p)) for s, t, p in data.get("edges", [])]
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return nodes, edges


def shifted(nodes: list[Node], dx: float, dy: float) -> list[Node]:
    """Copies moved by (dx, dy): each paste lands a little lower-right than the last."""
    return [Node(n.name, n.kind, dict(n.options), (n.position[0] + dx, n.position[1] + dy))
            for n in nodes]


def release_clipboard() -> None:
    """At quit: swap copied layers for plain text: a Python-made QMimeData left in the
    clipboard is freed twice when the process exits (segfault); the JSON text stays pasteable."""
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData() if clipboard is not None else None
    if mime is not None and mime.hasFormat(MIME_LAYERS):
        clipboard.setText(mime.text())
