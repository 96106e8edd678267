"""LayerLab's training engine: pure numpy + numba, no Qt.

Importable in a bare REPL. The GUI (``app``/``widgets``) depends on it, never the reverse.
"""
