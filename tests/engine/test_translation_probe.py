"""Greedy translations and per-layer token axes for an encoder–decoder (dates)."""

import numpy as np
import pytest

from engine.datasets import load_dataset
from engine.graph import Graph
from engine.introspection import probe_batch_from
from engine.introspection.sequence_probes import (
    input_token_names,
    run_attention,
    run_hidden_states,
)
from engine.introspection.translation import greedy_decode, run_translate, span_options
from engine.model import Model
from engine.project import load_project
from engine.training import TrainConfig, Trainer
from engine.types import ConfigError

EXAMPLE = "assets/examples/dates_seq2seq_attention.layerlab.json"


def seq2seq_graph() -> Graph:
    """The bundled example: date → encoder LSTM, <s> + answer → decoder LSTM, cross-attention
    'attention' (query: decoder, key/value: encoder), Concatenate, Dense per step."""
    return load_project(EXAMPLE).graph


@pytest.fixture(scope="module")
def trained():
    data = load_dataset({"name": "dates", "layout": "encoder-decoder", "n_samples": 3000})
    trainer = Trainer(Model(seq2seq_graph()), data,
                      TrainConfig(epochs=8, optimizer_options={"learning_rate": 0.005}))
    for _ in trainer.run():
        pass
    return data, trainer, probe_batch_from(trainer)


def test_trained_model_translates_on_its_own(trained):
    data, trainer, batch = trained
    result = run_translate(trainer.model, batch, {"tokens": input_token_names(data),
                                                  "count": 8}, None)
    assert len(result["rows"]) == 8
    assert result["char_accuracy"] > 0.95, result
    assert result["teacher_accuracy"] >= result["char_accuracy"] - 0.02
    row = result["rows"][0]
    assert row["target"].count("-") == 2 and len(row["target"]) == 10
    assert row["source"] and "<" not in row["source"]


def test_greedy_decode_never_reads_the_true_answer(trained):
    data, trainer, batch = trained
    names = input_token_names(data)
    x = np.array(batch.x[:4])
    scrambled = x.copy()
    scrambled[:, 21:] = np.random.default_rng(0).integers(3, len(names), (4, 9))
    span = (20, 10, 0)
    np.testing.assert_array_equal(greedy_decode(trainer.model, x, names.index("<s>"), span),
                                  greedy_decode(trainer.model, scrambled, names.index("<s>"),
                                                span))


def test_cross_attention_axes_name_decoder_queries_and_encoder_keys(trained):
    data, trainer, batch = trained
    names = input_token_names(data)
    result = run_attention(trainer.model, batch, {"tokens": names, "index": 1}, None)
    axes = result["axes"]["attention"]
    assert result["layers"]["attention"].shape == (1, 10, 20)
    assert axes["query"][0] == "<s>" and len(axes["query"]) == 10
    assert len(axes["key"]) == 20
    ids = np.rint(batch.x[1]).astype(int)
    assert axes["key"] == [names[i] for i in ids[:20]]
    hidden = run_hidden_states(trainer.model, batch, {"tokens": names}, None)
    assert len(hidden["axes"]["encoder"]) == 20 and len(hidden["axes"]["decoder"]) == 10


def test_translate_explains_what_it_needs():
    data = load_dataset({"name": "dates", "n_samples": 60})  # one-sequence layout
    g = Graph.sequential([{"kind": "Input", "shape": [30]},
                          {"kind": "Embedding", "input_dim": data.n_classes, "output_dim": 4},
                          {"kind": "TimeDistributed", "units": data.n_classes,
                           "activation": "softmax"}])
    trainer = Trainer(Model(g), data, TrainConfig(epochs=0))
    batch = probe_batch_from(trainer)
    names = input_token_names(data)
    with pytest.raises(ConfigError, match="decoder input"):
        run_translate(trainer.model, batch, {"tokens": names}, None)
    span = span_options(data)
    assert span == {"decoder_start": 20, "decoder_length": 10}
    assert span_options(load_dataset({"name": "dates", "layout": "encoder-decoder",
                                      "n_samples": 20})) == {}
    result = run_translate(trainer.model, batch, {"tokens": names, **span}, None)
    assert len(result["rows"]) == 6  # an untrained one-sequence model, answer at 20..29
    with pytest.raises(ConfigError, match="start mark"):
        run_translate(trainer.model, batch, {"tokens": ["<pad>", "<unk>", "a"]}, None)


def test_cross_attention_aligns_answer_characters_with_the_date(trained):
    """For 'dd/mm/yyyy' dates the answer 'yyyy-mm-dd' has a known alignment: most of each
    answer character's attention lands within one position of its source character (an
    untrained layer spreads it evenly: 3 of 20 positions ≈ 15 %)."""
    data, trainer, batch = trained
    names = input_token_names(data)
    where = {0: 6, 1: 7, 2: 8, 3: 9, 5: 3, 6: 4, 8: 0, 9: 1}  # answer step -> source position
    masses = []
    for i in range(len(batch.x)):
        ids = np.rint(batch.x[i, :20]).astype(int)
        if names.index("/") not in ids:
            continue
        weights = run_attention(trainer.model, batch, {"tokens": names, "index": i},
                                None)["layers"]["attention"][0]
        masses += [weights[t, max(p - 1, 0) : p + 2].sum() for t, p in where.items()]
    assert len(masses) > 40
    assert np.mean(masses) > 0.6, np.mean(masses)
