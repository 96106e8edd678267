"""Text generation (engine.text.generate) with hand-made models whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from engine.text.generate import (
    generate_ids,
    generate_text,
    log_probs,
    pick_token,
    sequence_log_prob,
)
from engine.text.tokenizer import Vocabulary
from engine.types import ConfigError


class TableModel:
    """Next-token probabilities depend only on the current token: ``table[token] -> (V,)``."""

    def __init__(self, table: np.ndarray, window: int = 4) -> None:
        self.table = np.asarray(table, dtype=np.float64)
        self.input_shape = (window,)
        self.calls = 0

    def predict(self, x: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.table[np.rint(x).astype(np.int64)].astype(np.float32)  # (B, T, V)


def random_table(v: int = 6, seed: int = 0) -> np.ndarray:
    p = np.random.default_rng(seed).random((v, v)) ** 3
    return p / p.sum(axis=1, keepdims=True)


def test_greedy_follows_the_argmax_chain():
    table = random_table()
    model = TableModel(table)
    out = generate_ids(model, [2], 8, method="greedy")
    expected = [2]
    for _ in range(8):
        expected.append(int(np.argmax(table[expected[-1]])))
    assert out.tolist() == expected


def test_zero_temperature_equals_greedy_and_sampling_is_seeded():
    model = TableModel(random_table())
    greedy = generate_ids(model, [1, 3], 10, method="greedy")
    assert generate_ids(model, [1, 3], 10, temperature=0.0).tolist() == greedy.tolist()
    a = generate_ids(model, [1], 20, temperature=1.0, seed=5)
    b = generate_ids(model, [1], 20, temperature=1.0, seed=5)
    c = generate_ids(model, [1], 20, temperature=1.0, seed=6)
    assert a.tolist() == b.tolist()
    assert a.tolist() != c.tolist()


def test_top_k_never_leaves_the_top_k():
    logp = np.log(np.array([0.05, 0.3, 0.1, 0.25, 0.2, 0.1]))
    rng = np.random.default_rng(0)
    drawn = {pick_token(logp, rng, temperature=5.0, top_k=2) for _ in range(400)}
    assert drawn == {1, 3}
    drawn = {pick_token(logp, rng, temperature=5.0, top_k=1) for _ in range(50)}
    assert drawn == {1}
    # without top-k a hot temperature reaches every token
    assert {pick_token(logp, rng, temperature=5.0) for _ in range(400)} == set(range(6))


def test_sampling_frequencies_follow_the_tempered_distribution():
    p = np.array([0.5, 0.3, 0.2])
    rng = np.random.default_rng(1)
    draws = np.array([pick_token(np.log(p), rng, temperature=2.0) for _ in range(6000)])
    tempered = np.sqrt(p) / np.sqrt(p).sum()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 6000, tempered, atol=0.02)


def test_beam_search_beats_greedy_on_a_crafted_distribution():
    # tokens: 0 start, 1 "a", 2 "b", 3..5 fillers. From the start: a 0.6, b 0.4.
    # After a: four fillers at 0.25 each (a dead end); after b: filler 3 with 0.9.
    v = 6
    table = np.full((v, v), 1e-9)
    table[0, 1], table[0, 2] = 0.6, 0.4
    table[1, 2:6] = 0.25
    table[2, 3], table[2, 4] = 0.9, 0.1
    table[3:, 3] = 1.0
    table /= table.sum(axis=1, keepdims=True)
    model = TableModel(table)
    greedy = generate_ids(model, [0], 2, method="greedy")
    beam = generate_ids(model, [0], 2, method="beam", beam_width=2)
    assert greedy.tolist()[:2] == [0, 1]
    assert beam.tolist() == [0, 2, 3]
    lp_greedy = sequence_log_prob(model, [0], greedy[1:])
    lp_beam = sequence_log_prob(model, [0], beam[1:])
    assert lp_beam == pytest.approx(np.log(0.4 * 0.9), abs=1e-5)
    assert lp_beam > lp_greedy
    # width 1 is greedy
    assert generate_ids(model, [0], 2, method="beam", beam_width=1).tolist() == \
        greedy.tolist()


def test_context_longer_than_the_window_uses_the_last_tokens():
    class LastTokenSeen:
        input_shape = (3,)

        def __init__(self) -> None:
            self.seen: list[list[int]] = []

        def predict(self, x: np.ndarray) -> np.ndarray:
            self.seen.append(x[0].astype(int).tolist())
            out = np.full((*x.shape, 4), 0.1)
            out[..., 2] = 0.7
            return out

    model = LastTokenSeen()
    out = generate_ids(model, [1, 3, 1, 3], 2, method="greedy")
    assert out.tolist() == [1, 3, 1, 3, 2, 2]
    assert model.seen == [[3, 1, 3], [1, 3, 2]]
    model.seen.clear()
    generate_ids(model, [1], 1, method="greedy")  # shorter: padded after with 0
    assert model.seen == [[1, 0, 0]]


def test_logits_are_softmaxed_and_text_round_trips():
    z = np.array([[2.0, -1.0, 0.5]])
    np.testing.assert_allclose(np.exp(log_probs(z)).sum(), 1.0)
    np.testing.assert_allclose(log_probs(z), z - np.log(np.exp(z).sum()))
    vocab = Vocabulary.build("abcab", "char")  # <pad> <unk> a b c
    table = np.full((len(vocab), len(vocab)), 0.01)
    a, b, c = (vocab.id_of(ch) for ch in "abc")
    table[a, b] = table[b, c] = table[c, a] = 1.0
    table[:2, a] = 1.0
    table /= table.sum(axis=1, keepdims=True)
    text = generate_text(TableModel(table), vocab, "a", 5, method="greedy")
    assert text == "abcabc"


def test_bad_options_are_config_errors():
    model = TableModel(random_table())
    with pytest.raises(ConfigError):
        generate_ids(model, [1], 3, method="nucleus")
    with pytest.raises(ConfigError):
        generate_ids(model, [1], 3, temperature=-1.0)
    with pytest.raises(ConfigError):
        generate_ids(model, [], 3, method="greedy")
