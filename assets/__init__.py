"""LayerLab's bundled files as package data: ``examples/*.layerlab.json``, ``lessons/``,
``text/`` and ``icons/``. Read them through ``engine.resources`` (``importlib.resources``),
never by a path relative to the current folder."""
