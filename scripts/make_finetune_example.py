"""Make the fine-tuning example: pre-train a small CNN on drawn shapes, reuse it for digits.

Writes into ``assets/examples/`` (or ``--out``):

* ``finetune_shapes_pretrained.layerlab.json`` + ``.npz`` — the shapes CNN
  (``shapes_cnn.layerlab.json``) trained on the drawn shapes; the project to pick in
  File → Load weights from another project.
* ``finetune_digits.layerlab.json`` + ``.npz`` — the same convolutional layers (``conv1``,
  ``conv2``: frozen, ``trainable: false``) with a new head ``digit`` for the 28×28 digits,
  trained on only 100 digits (``n_samples`` 500, ``val_split`` 0.8: 400 held out). Its sidecar
  holds the pre-trained convolution weights and a fresh head, so Play trains the head alone.

Then it measures the gain: validation accuracy after the example's epochs, trained from
scratch (every layer trainable, random start), fine-tuned (pre-trained convolutions, frozen)
and pre-trained with nothing frozen, for several seeds (the seed picks the 100 digits and
the head's start), and prints a table.
Run: ``.venv/bin/python scripts/make_finetune_example.py [--seeds 5]``.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.project import Project, load_project, save_project, save_weights, weights_path  # noqa: E402
from engine.recipes import prepare  # noqa: E402
from engine.weights_transfer import match_weights  # noqa: E402

EXAMPLES = ROOT / "assets" / "examples"
FROZEN = ("conv1", "conv2")
PRETRAIN = {"name": "shapes", "n_samples": 3000}
DIGITS = {"name": "digits28", "n_samples": 500, "val_split": 0.8}  # 100 train, 400 held out
EPOCHS = 30


def pretrained_project() -> Project:
    project = load_project(EXAMPLES / "shapes_cnn.layerlab.json")
    project.name = "Fine-tuning (1/2): shapes CNN, pre-trained"
    project.description = ("The shapes CNN trained on 3,000 drawn shapes. Its convolutional "
                           "layers learned edges and corners: reuse them for digits.")
    project.dataset = dict(PRETRAIN)
    return project


def digits_project(seed: int = 0, frozen: bool = True) -> Project:
    """The shapes CNN with a new head ``digit`` for digits; ``FROZEN`` layers frozen."""
    base = pretrained_project().to_dict()
    data = copy.deepcopy(base)
    for layer in data["graph"]["layers"]:
        if layer["name"] in FROZEN and frozen:
            layer["trainable"] = False
        if layer["name"] == "shape":
            layer["name"] = "digit"
    data["graph"]["edges"] = [[a, "digit" if b == "shape" else b, p]
                              for a, b, p in data["graph"]["edges"]]
    data["name"] = "Fine-tuning (2/2): digits from 100 examples"
    data["description"] = ("The shapes CNN's convolutional layers, pre-trained and frozen, with "
                           "a new Dense head for the ten digits; only 100 digits to learn from.")
    data["lesson"] = ("Only the head learns: the frozen convolutions (padlock) keep the "
                      "features they learned on shapes. Compare with the same network trained "
                      "from scratch on the same 100 digits.")
    data["dataset"] = {**DIGITS, "seed": seed}
    data["training"] = {**data["training"], "epochs": EPOCHS, "seed": seed,
                        "optimizer_options": {"learning_rate": 0.003}}
    return Project.from_dict(data, "the fine-tuning example")


def train(project: Project, init: dict[str, np.ndarray] | None = None
          ) -> tuple[dict[str, np.ndarray], float]:
    """Train ``project`` (starting from ``init``'s matching layers) -> (weights, val accuracy)."""
    prepared = prepare(project)
    if init is not None:
        picked, _report = match_weights(prepared.model.get_weights(), init)
        prepared.model.set_weights(picked)
    last = None
    for snap in prepared.trainer.run():
        if snap.event != "step":
            last = snap
    assert last is not None and last.event == "finished", last
    return prepared.model.get_weights(), float(last.metrics["val_accuracy"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds to measure (0 skips)")
    parser.add_argument("--out", default=str(EXAMPLES), help="folder for the example files")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    shapes = pretrained_project()
    pretrained, shapes_acc = train(shapes)
    print(f"pre-trained on shapes: validation accuracy {shapes_acc:.3f} "
          f"({time.perf_counter() - t0:.0f} s)")
    shapes_path = out / "finetune_shapes_pretrained.layerlab.json"
    save_project(shapes, shapes_path)
    save_weights(weights_path(shapes_path), pretrained)

    digits = digits_project()
    start = prepare(digits).model
    picked, report = match_weights(start.get_weights(), pretrained)
    start.set_weights(picked)
    print("\n".join(report.lines(shapes_path.name)))
    digits_path = out / "finetune_digits.layerlab.json"
    save_project(digits, digits_path)
    save_weights(weights_path(digits_path), start.get_weights())
    for path in (shapes_path, digits_path):
        print(f"wrote {path.name} + .npz ({weights_path(path).stat().st_size / 1024:.0f} kB)")

    rows = []
    for seed in range(args.seeds):
        _, scratch = train(digits_project(seed, frozen=False))
        _, tuned = train(digits_project(seed, frozen=True), init=pretrained)
        _, free = train(digits_project(seed, frozen=False), init=pretrained)
        rows.append((scratch, tuned, free))
        print(f"seed {seed}: from scratch {scratch:.3f}   fine-tuned, convs frozen {tuned:.3f}"
              f"   pre-trained, nothing frozen {free:.3f}")
    if rows:
        a = np.array(rows)
        cells = [f"{what} {a[:, i].mean():.3f} ± {a[:, i].std():.3f}" for i, what in
                 enumerate(("from scratch", "convs frozen", "nothing frozen"))]
        print(f"mean over {len(rows)} seeds: {', '.join(cells)} (100 training digits, "
              f"{EPOCHS} epochs, 400 validation digits)")
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
