"""PyTorch as an oracle: same network, same weights, same batches → same losses and weights.

Skipped where torch is not installed (``TORCH=1 make test`` installs the CPU build).
"""

import numpy as np
import pytest

from engine.graph import Graph
from engine.losses import get_loss
from engine.model import Model
from engine.optimizers import get_optimizer
from engine.stepper import GenericStepper, make_stepper
from engine.training import TrainConfig

torch = pytest.importorskip("torch")

OPTIMIZERS = [
    ("sgd", {"learning_rate": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1)),
    ("nesterov", {"learning_rate": 0.05},
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    ("rmsprop", {"learning_rate": 0.01}, lambda p: torch.optim.RMSprop(p, lr=0.01)),
    ("adam", {"learning_rate": 0.01}, lambda p: torch.optim.Adam(p, lr=0.01)),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1},
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
    ("adagrad", {"learning_rate": 0.1}, lambda p: torch.optim.Adagrad(p, lr=0.1)),
    ("adadelta", {"learning_rate": 1.0}, lambda p: torch.optim.Adadelta(p, lr=1.0)),
]


def engine_and_torch(act: str):
    graph = Graph.sequential([
        {"kind": "Input", "shape": [4]},
        {"kind": "Dense", "name": "h", "units": 8, "activation": act},
        {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"},
    ])
    model = Model(graph, seed=0, dtype=np.float64)
    model.set_logits_mode(True)
    acts = {"tanh": torch.nn.Tanh(), "relu": torch.nn.ReLU(), "gelu": torch.nn.GELU(),
            "sigmoid": torch.nn.Sigmoid(), "elu": torch.nn.ELU(), "silu": torch.nn.SiLU()}
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), acts[act], torch.nn.Linear(8, 3)).double()
    with torch.no_grad():
        for i, name in ((0, "h"), (2, "out")):
            net[i].weight.copy_(torch.from_numpy(model.layers[name].params["kernel"].T.copy()))
            net[i].bias.copy_(torch.from_numpy(model.layers[name].params["bias"].copy()))
    return model, net


def batches():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4))
    y = rng.integers(0, 3, 60)
    return x, y, [np.arange(i, i + 20) for i in (0, 20, 40, 0, 20)]


@pytest.mark.parametrize("name,options,make_torch", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
@pytest.mark.parametrize("act", ["tanh", "relu", "gelu"])
def test_training_matches_pytorch(name, options, make_torch, act):
    model, net = engine_and_torch(act)
    stepper = GenericStepper(model, get_loss("categorical_crossentropy", from_logits=True),
                             get_optimizer(name, **options), TrainConfig())
    opt = make_torch(net.parameters())
    x, y, idx_list = batches()
    for idx in idx_list:
        ours = stepper.train_batch(x[idx], y[idx])
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x[idx])),
                                                 torch.from_numpy(y[idx]))
        loss.backward()
        opt.step()
        assert ours == pytest.approx(loss.item(), rel=1e-9)
    final = net[2].weight.detach().numpy().T
    np.testing.assert_allclose(model.layers["out"].params["kernel"], final, rtol=1e-7, atol=1e-9)


def test_fused_stepper_matches_pytorch_float32():
    model, net = engine_and_torch("relu")
    model32 = Model(model.graph, seed=0)
    model32.set_logits_mode(True)
    net = net.float()
    config = TrainConfig(optimizer="adam")
    stepper = make_stepper(model32, get_loss("categorical_crossentropy", from_logits=True),
                           get_optimizer("adam", learning_rate=0.01), config)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    x, y, idx_list = batches()
    x = x.astype(np.float32)
    ours = stepper.run(x, y, idx_list)
    theirs = []
    for idx in idx_list:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x[idx])),
                                                 torch.from_numpy(y[idx]))
        loss.backward()
        opt.step()
        theirs.append(loss.item())
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(model32.layers["out"].params["kernel"],
                               net[2].weight.detach().numpy().T, rtol=1e-4, atol=1e-6)
