"""A seeded fuzzer for everything that enters LayerLab from a file: project files (mutations
of the bundled examples) here, data files and weights sidecars in ``engine.fuzz_data``.

Each case writes one mutated file, opens it the way the app and ``main.py check`` do (load,
check every layer's shape, check the training settings, save it back) and classifies the
outcome: ``ok``, ``refused`` (a ``LayerLabError`` whose message is plain language), ``crash``
(any other exception), ``leak`` (a refusal whose message shows Python internals) or ``hang``
(a case slower than ``HANG_SECONDS``). The test suite runs the default counts and asserts 0
crashes, leaks and hangs (``Tally``, ``INTERNALS``: ``engine.fuzz_tally``, shared with
``engine.fuzz_data``); a longer run on demand::

    python -m engine.fuzz --cases 50000 --data-cases 5000 --seed 7
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.fuzz_tally import HANG_SECONDS, INTERNALS, Tally
from engine.resources import examples_dir
from engine.types import LayerLabError

__all__ = ["HANG_SECONDS", "INTERNALS", "Tally", "examples", "fuzz_projects", "main",
           "mutate_project"]

EXAMPLES = examples_dir()
RAW = "\x00RAW\x00"  # a string placeholder replaced by a raw JSON literal after dumping


# -- project files ---------------------------------------------------------------------------
def examples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value, as key/index tuples."""
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


WRONG: list[Any] = [None, [], {}, "x", "", 1.5, -1, 0, True, -7, 10**12, [[]], {"a": 1},
                    "\u00e9\u00e8", [1, 2, 3], "Dense", [-1], [0], 1e308, -1e-308]
LITERALS = ["1e400", "-1e400", "Infinity", "-Infinity", "NaN", "9" * 5000, "1" + "0" * 40,
            "-0", "1.5", "1e30", "-7", "4294967296", "1e-400"]
KINDS = ["Bogus", "dense", "", "Input ", "Layer", "object", "Conv2D\u0000"]


GRAPH_KINDS = (3, 4, 5, 6, 7, 11)  # mutations of the layers and wires (kinds 0-12 edit the
# parsed file, 13-15 its text; see mutate_project)


def _mutate_graph(data: dict[str, Any], layers: list[Any], edges: list[Any], kind: int,
                  rng: random.Random) -> None:
    """Mutate the graph's ``layers`` and ``edges`` of ``data`` in place (kinds GRAPH_KINDS)."""
    if kind == 3 and layers:  # unknown layer kind
        rng.choice(layers)["kind"] = rng.choice(KINDS)
    elif kind == 4 and edges:  # a cycle: last layer back into the first non-Input
        names = [layer.get("name") for layer in layers]
        edges.append([names[-1], rng.choice(names), rng.randrange(3)])
    elif kind == 5 and edges:  # dangling or negative or huge port
        edge = rng.choice(edges)
        choice = rng.randrange(4)
        if choice == 0:
            edge[rng.randrange(2)] = "nowhere"
        else:
            edge[2] = [-1, -(2**31), 99][choice - 1]
    elif kind == 6:  # a lone surrogate in a name or text
        target = rng.choice(layers) if layers and rng.random() < 0.5 else data
        target["name"] = RAW + rng.choice(['"\\ud800"', '"a\\udfff"', '"\\ud83d"'])
    elif kind == 7 and layers:  # huge declared sizes
        layer = rng.choice(layers)
        key = rng.choice(["shape", "units", "filters", "kernel_size", "pool_size", "input_dim"])
        layer[key] = rng.choice([[10**9, 10**9], [1e30], 10**12, 2**31, [2**31, 2**31, 4],
                                 RAW + "1e400", [-1], [0, 5], 10**6])
    elif kind == 11 and layers:  # a duplicate layer name or layer without a name/kind
        layer = rng.choice(layers)
        choice = rng.randrange(3)
        if choice == 0:
            layer["name"] = layers[0].get("name")
        else:
            layer.pop("name" if choice == 1 else "kind", None)


def _mutate_entries(data: dict[str, Any], kind: int, rng: random.Random) -> None:
    """Mutate any entry, the training settings, the texts or the header of ``data`` in place
    (kinds 0-12 outside GRAPH_KINDS)."""
    paths = _paths(data)[1:]
    if kind == 0:  # delete a key or list entry
        path = rng.choice(paths)
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    elif kind == 1:  # wrong type anywhere
        _set(data, rng.choice(paths), rng.choice(WRONG))
    elif kind == 2:  # an extreme number literal where a number is
        numeric = [p for p in paths if isinstance(_get(data, p), (int, float))] or paths
        _set(data, rng.choice(numeric), RAW + rng.choice(LITERALS))
    elif kind == 8:  # deep nesting somewhere
        depth = rng.choice([50, 101, 995, 5000])
        _set(data, rng.choice(paths), RAW + "[" * depth + "]" * depth)
    elif kind == 9:  # bad training settings
        training = data.setdefault("training", {})
        key = rng.choice(["batch_size", "epochs", "seed", "snapshot_every", "patience",
                          "clip_norm", "optimizer_options", "loss_options", "schedule",
                          "batch_mode", "probes", "max_steps_per_second", "augment"])
        training[key] = rng.choice([*WRONG, RAW + "NaN", RAW + "1e400", {"learning_rate": "x"},
                                    {"momentum": [1]}, {"name": "step", "step_size": -1}])
    elif kind == 10:  # a long text (a lesson pasted twice too often)
        data[rng.choice(["lesson", "name", "description"])] = "long " * rng.choice(
            [100, 50_000])
    elif kind == 12:  # format and version
        data[rng.choice(["format", "version", "recipe"])] = rng.choice(WRONG + [2, "gan"])


def mutate_project(data: dict[str, Any], rng: random.Random) -> str:
    """One mutated project file's text (see the module doc for the kinds of mutation)."""
    kind = rng.randrange(16)
    data = json.loads(json.dumps(data))
    graph = data.get("graph", {})
    layers, edges = graph.get("layers", []), graph.get("edges", [])
    if kind in GRAPH_KINDS:
        _mutate_graph(data, layers, edges, kind, rng)
    else:
        _mutate_entries(data, kind, rng)
    text = json.dumps(data, ensure_ascii=True)
    text = re.sub(r'"\\u0000RAW\\u0000((?:[^"\\]|\\.)*)"',
                  lambda m: json.loads(f'"{m.group(1)}"'), text)
    if kind == 13:  # truncated
        text = text[: rng.randrange(len(text))]
    elif kind == 14:  # flipped bytes
        chars = list(text)
        for _ in range(rng.randrange(1, 6)):
            chars[rng.randrange(len(chars))] = chr(rng.randrange(32, 127))
        text = "".join(chars)
    elif kind == 15:  # a small mutation stacked on another
        return mutate_project(json.loads(json.dumps(data)), rng) if rng.random() < 0.5 else text
    return text


def open_like_the_app(path: Path, save_to: Path) -> None:
    """Everything opening a project does without training: load, check shapes (every
    message checked), check settings, save back."""
    from engine.project import load_project, save_project

    project = load_project(path)
    report = project.graph.infer_shapes()
    for message in report.errors.values():
        if INTERNALS.search(message):
            raise LayerLabError(message)  # counted as a leak
    project.graph.topological_order() if report.ok else None
    project.training.check()
    save_project(project, save_to)


def fuzz_projects(cases: int, seed: int = 0, folder: Path | None = None) -> Tally:
    rng, tally, bases = random.Random(seed), Tally(), examples()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(folder or tmp)
        path, out = work / "case.layerlab.json", work / "saved.layerlab.json"
        for i in range(cases):
            base = bases[i % len(bases)]
            path.write_text(mutate_project(base, rng), encoding="utf-8", errors="surrogatepass")
            tally.record(f"project seed={seed} case={i} base={base.get('name')}",
                         lambda: open_like_the_app(path, out))
    return tally


def main(argv: list[str] | None = None) -> int:
    from engine.fuzz_data import fuzz_data

    parser = argparse.ArgumentParser(prog="python -m engine.fuzz", description=__doc__)
    parser.add_argument("--cases", type=int, default=2000, help="project file cases")
    parser.add_argument("--data-cases", type=int, default=300, help="data/weights cases")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    bad = 0
    for name, tally in (("projects", fuzz_projects(args.cases, args.seed)),
                        ("data/weights", fuzz_data(args.data_cases, args.seed))):
        print(f"{name}: {dict(tally.counts)}, slowest case {tally.slowest:.2f} s")
        for case, what, message in tally.problems:
            print(f"  {what}: {case}: {message}")
        bad += tally.bad
    print(f"{time.perf_counter() - start:.1f} s, {bad} problem case(s)")
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
