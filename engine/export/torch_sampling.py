"""How an exported PyTorch script draws each epoch's samples: ``sampler_parts(plan)``.

Usually torch's ``DistributedSampler`` (one process, or one shard per process under torchrun).
A classifier trained with weighted sampling (``engine.weighted_sampling``) gets
``WeightedSampler`` instead: LayerLab's own per-epoch rule — N indices drawn with replacement,
sample i with probability ∝ 1 / (count of its class) — from the engine's functions pasted as
they are, on a numpy generator seeded with the project's seed like the trainer's, so on one
process the epochs see the very indices LayerLab's trainer draws. Every process draws the same
indices and reads every N-th one from its rank on (padded as ``DistributedSampler`` pads), so
the processes' batches together are the one-process batch. torch's ``WeightedRandomSampler``
draws from the same distribution but neither shards across processes nor repeats LayerLab's
draws, hence the sampler of our own.
"""

from __future__ import annotations

import inspect

from engine import weighted_sampling as ws
from engine.export.plan import Plan

WEIGHTED_SAMPLER = '''class WeightedSampler(torch.utils.data.Sampler):
    """LayerLab's weighted sampling, sharded: every epoch draws len(labels) indices with
    replacement, ∝ 1 / class frequency (``weighted_order``, the same draw in every process),
    and this process reads indices rank, rank + world, … (as DistributedSampler shards)."""

    def __init__(self, labels, world, rank):
        self.labels, self.world, self.rank = labels, world, rank
        self.rng = np.random.default_rng(SEED)  # the trainer's generator: the same draws
        self.per_process = -(-len(labels) // world)

    def set_epoch(self, epoch):
        """Nothing to do: the generator moves on by one draw per epoch."""

    def __len__(self):
        return self.per_process

    def __iter__(self):
        order = weighted_order(self.rng, self.labels, N_CLASSES)
        order = np.concatenate([order, order[: self.per_process * self.world - len(order)]])
        return iter(order[self.rank::self.world].tolist())'''

PLAIN = ("    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, "
         "shuffle=SHUFFLE,\n                                 seed=SEED)")
WEIGHTED = "    sampler = WeightedSampler(labels, world, rank)  # weighted sampling, as LayerLab"


def weighted_sampling(plan: Plan) -> bool:
    """Whether LayerLab's trainer draws this project's epochs by weighted sampling."""
    return bool(plan.training.weighted_sampling) and plan.task == "classification"


def sampler_parts(plan: Plan) -> tuple[list[str], str]:
    """(source blocks for the script's top level, the line in ``train`` making ``sampler``)."""
    if not weighted_sampling(plan):
        return [], PLAIN
    pasted = [inspect.getsource(f).rstrip("\n") for f in (ws.sample_classes,
                                                          ws.class_probabilities,
                                                          ws.weighted_order)]
    return [f"N_CLASSES = {plan.n_classes}", *pasted, WEIGHTED_SAMPLER], WEIGHTED
