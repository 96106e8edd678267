"""The data-file half of the fuzzer (``engine.fuzz``): mutated ``.npz``/``.npy``/CSV/IDX
imports and weights sidecars (``.layerlab.npz``), each opened as the app does (importer, or
``load_weights`` then ``Model.set_weights``) and classified by ``Tally``.

Mutations: truncation, byte flips, an empty file, a text file, object/string arrays, a 0-d
target, NaN weights, headers declaring huge sizes (``.npy`` shape, IDX dimensions), CSV cells
with 1e300/NaN/stray quotes.
"""

from __future__ import annotations

import gzip
import io
import random
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.fuzz_tally import Tally


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _huge_header(array: np.ndarray, shape: str) -> bytes:
    """An .npy whose header declares ``shape`` (e.g. "(300000000000,)") over little data."""
    raw = _npy_bytes(array)
    head_len = struct.unpack("<H", raw[8:10])[0]
    header = raw[10 : 10 + head_len].decode("latin-1")
    start = header.index("'shape': ") + len("'shape': ")
    end = header.index(")", start) + 1
    new = (header[:start] + shape + header[end:]).rstrip("\n ")
    new = new + " " * (head_len - 1 - len(new)) + "\n" if len(new) < head_len else new + "\n"
    return raw[:8] + struct.pack("<H", len(new)) + new.encode("latin-1") + raw[10 + head_len:]


def _idx(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def _weights_bytes(weights: dict[str, np.ndarray]) -> bytes:
    arrays = {f"w:{k}": v for k, v in weights.items()}
    arrays["h:train_loss"] = np.array([1.0, 0.5])
    arrays["h:val_loss"] = np.array([np.nan, np.nan])
    return _npz_bytes(arrays)


def _bases(weights: dict[str, np.ndarray]) -> list[tuple[str, bytes]]:
    """``(suffix, bytes)`` of valid files and of hand-made hostile ones, as mutation seeds."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    table = np.column_stack([x, y])
    images = rng.integers(0, 256, (4, 5, 5), dtype=np.uint8).tobytes()
    csv = "a,b,label\n" + "".join(f"{r[0]:.3f},{r[1]:.3f},{int(c)}\n" for r, c in zip(x, y))
    bad_w = {k: np.full_like(v, np.nan) for k, v in weights.items()}
    str_w = {k: np.full(v.shape, "x") for k, v in weights.items()}
    return [
        (".npz", _npz_bytes({"x": x, "y": y})), (".npy", _npy_bytes(table)),
        (".csv", csv.encode()), (".csv", (csv + "1e300,2,1\n").encode()),
        (".csv", (csv + '"1,2,\n').encode()), (".csv", (csv + "nan,1,0\n").encode()),
        (".npz", _npz_bytes({"x": np.array([object(), 1], dtype=object), "y": y[:2]})),
        (".npz", _npz_bytes({"x": x, "y": np.array(3)})), (".npz", _npz_bytes({"y": y})),
        (".npz", _npz_bytes({"x": np.full((20, 3), "s"), "y": y})),
        (".npy", _huge_header(table, "(300000000000,)")),
        (".npy", _huge_header(table, "(2147483648, 2147483648)")), (".npy", _npy_bytes(x[0])),
        (".idx", _idx(2051, (4, 5, 5), images)), (".idx", _idx(2051, (2**31, 2**31, 4), b"")),
        (".idx", gzip.compress(_idx(2051, (4, 5, 5), images))),
        (".idx", _idx(2049, (4,), bytes(4))),
        (".weights", _weights_bytes(weights)), (".weights", _weights_bytes(bad_w)),
        (".weights", _npz_bytes({f"w:{k}": v for k, v in str_w.items()})),
        (".weights", b""), (".weights", b"this is a text file\n"),
        (".weights", _npz_bytes({"w:x": np.array([object()], dtype=object)})),
    ]


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(5)
    if kind == 0 or not raw:
        return raw
    if kind == 1:  # truncation
        return raw[: rng.randrange(len(raw))]
    if kind == 2:  # byte flips (zip checksums break, headers change)
        data = bytearray(raw)
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 3:  # a chunk duplicated or deleted
        a, b = sorted(rng.randrange(len(raw)) for _ in range(2))
        return raw[:a] + raw[b:] if rng.random() < 0.5 else raw[:b] + raw[a:]
    return raw[: len(raw) // 2] + bytes(rng.randrange(1, 64))


def _spiral_model():  # -> Model with a few small layers
    from engine.graph import Graph
    from engine.model import Model

    graph = Graph.sequential([{"kind": "Input", "shape": [2]}, {"kind": "Dense", "units": 4},
                              {"kind": "Dense", "units": 3}])
    return Model(graph, seed=0)


def _opener(suffix: str, path: Path, model) -> Callable[[], None]:  # noqa: ANN001
    from engine.datasets.importers import load_csv, load_idx, load_numpy
    from engine.project import load_weights

    if suffix == ".csv":
        return lambda: (load_csv(path), None)[1]
    if suffix == ".idx":
        labels = path.with_name("labels.idx")
        labels.write_bytes(_idx(2049, (4,), bytes([0, 1, 2, 3])))
        return lambda: (load_idx(path, labels), None)[1]
    if suffix == ".weights":
        def open_weights() -> None:
            weights, _ = load_weights(path)
            model.set_weights(weights)
        return open_weights
    return lambda: (load_numpy(path), None)[1]


def fuzz_data(cases: int, seed: int = 0) -> Tally:
    """``cases`` mutated data/weights files, each opened once (the module doc)."""
    rng, tally = random.Random(seed), Tally()
    model = _spiral_model()
    bases = _bases(model.get_weights())
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(cases):
            suffix, raw = bases[i % len(bases)]
            name = "data" + (".layerlab.npz" if suffix == ".weights" else suffix)
            path = Path(tmp) / name
            path.write_bytes(_mutate(raw, rng))
            tally.record(f"data seed={seed} case={i} base={i % len(bases)}{suffix}",
                         _opener(suffix, path, model))
    missing = Path(tempfile.gettempdir()) / "no-such-dir-layerlab" / "x.layerlab.npz"
    tally.record("weights: missing file", _opener(".weights", missing, model))
    return tally
