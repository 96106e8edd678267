"""The NumPy export of Conv2DTranspose, SpatialDropout2D, Bidirectional, recurrent initial
states and padding masks, and attention padding masks: outputs, loss and gradients equal the
engine's in float64 (1e-10 / rtol 1e-8), and six training steps of the script's loop end on
the engine's weights. The copy task's sequences end in padding (id 0, an all-zero vector
after an Embedding with mask_zero), so the masks matter there."""

from __future__ import annotations

import numpy as np
import pytest

from engine.graph import Graph
from tests.engine.export_helpers import (
    engine_trained,
    example,
    exported,
    numpy_matches_engine,
    numpy_training_matches_engine,
    random_weights,
)

MASKING = {"kind": "Embedding", "name": "vectors", "input_dim": 5, "output_dim": 3,
           "mask_zero": True}  # id 0 (the copy task's padding) -> an all-zero step
ONE_HOT = {"kind": "OneHot", "name": "onehot", "depth": 5}


def project_with(example_name, graph):
    project = example(example_name)
    project.graph = graph if isinstance(graph, Graph) else Graph.sequential(graph)
    return project


def transposed_convolutions():
    return project_with("digits_cnn", [
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv", "filters": 3, "kernel_size": 3},
        {"kind": "Conv2DTranspose", "name": "up same", "filters": 2, "kernel_size": 3,
         "strides": 2, "padding": "same", "activation": "relu"},  # odd overlap: one row cut
        {"kind": "SpatialDropout2D", "name": "drop", "rate": 0.0},
        {"kind": "MaxPool2D", "name": "pool", "pool_size": 3},
        {"kind": "Conv2DTranspose", "name": "up pad", "filters": 2, "kernel_size": [3, 2],
         "strides": [2, 3], "padding": "1", "output_padding": [1, 0], "activation": "tanh"},
        {"kind": "Conv2DTranspose", "name": "up wide", "filters": 2, "kernel_size": 1,
         "strides": 2, "padding": "same"},  # kernel narrower than the stride
        {"kind": "Conv2DTranspose", "name": "dilated", "filters": 2, "kernel_size": 2,
         "dilation_rate": 2, "use_bias": False},
        {"kind": "GlobalAveragePool2D", "name": "gap"},
        {"kind": "Dense", "name": "class", "units": 10, "activation": "softmax"},
    ])


def bidirectional(cell, merge, first, sequences=True):
    return project_with("copy_lstm_vs_rnn", [
        {"kind": "Input", "name": "tokens", "shape": [10]}, first,
        {"kind": "Bidirectional", "name": "both ways", "cell": cell, "units": 3,
         "merge_mode": merge, "return_sequences": sequences, "mask_padding": True},
        {"kind": "TimeDistributed", "name": "answer", "units": 5, "activation": "softmax"}
        if sequences else {"kind": "Dense", "name": "answer", "units": 50},
    ]) if sequences else project_with("sine_rnn", [
        {"kind": "Input", "name": "signal", "shape": [30, 1]},
        {"kind": "Bidirectional", "name": "both ways", "cell": cell, "units": 3,
         "merge_mode": merge},
        {"kind": "Dense", "name": "out", "units": 1},
    ])


def masked_reader(cell, options=None):
    return project_with("copy_lstm_vs_rnn", [
        {"kind": "Input", "name": "tokens", "shape": [10]}, MASKING,
        {"kind": cell, "name": "reader", "units": 4, "return_sequences": True,
         "mask_padding": True, **(options or {})},
        {"kind": "TimeDistributed", "name": "answer", "units": 5, "activation": "softmax"},
    ])


def encoder_decoder(cell, mask=False, options=None):
    """An encoder's last state starts the decoder (an LSTM: h0 and c0 from two encoders)."""
    graph = Graph()
    graph.add_node("Input", "signal", {"shape": [30, 1]})
    graph.add_node(cell, "encoder", {"units": 3})
    graph.add_node(cell, "decoder", {"units": 3, "mask_padding": mask, **(options or {})})
    graph.add_node("Dense", "out", {"units": 1})
    graph.connect("signal", "encoder")
    graph.connect("signal", "decoder", 0)
    graph.connect("encoder", "decoder", 1)
    if cell == "LSTM":
        graph.add_node("LSTM", "cell encoder", {"units": 3})
        graph.connect("signal", "cell encoder")
        graph.connect("cell encoder", "decoder", 2)
    graph.connect("decoder", "out")
    return project_with("sine_rnn", graph)


def masked_attention(causal):
    """tokens -> masking embedding -> masked multi-head self-attention -> masked dot-product
    attention (queries from the attention, keys from the embedding, values from a projection
    of it) -> per-token classes."""
    graph = Graph()
    graph.add_node("Input", "tokens", {"shape": [10]})
    graph.add_node("Embedding", "vectors", {"input_dim": 5, "output_dim": 4, "mask_zero": True})
    graph.add_node("MultiHeadAttention", "heads", {"num_heads": 2, "key_dim": 3,
                                                   "mask_padding": True,
                                                   "use_causal_mask": causal})
    graph.add_node("TimeDistributed", "values", {"units": 3, "activation": "tanh"})
    graph.add_node("ScaledDotProductAttention", "look back", {"mask_padding": True,
                                                              "use_causal_mask": causal})
    graph.add_node("TimeDistributed", "answer", {"units": 5, "activation": "softmax"})
    graph.connect("tokens", "vectors")
    graph.connect("vectors", "heads")
    graph.connect("vectors", "values")
    graph.connect("heads", "look back", 0)
    graph.connect("vectors", "look back", 1)
    graph.connect("values", "look back", 2)
    graph.connect("look back", "answer")
    return project_with("copy_lstm_vs_rnn", graph)


PROJECTS = {
    "conv transpose": transposed_convolutions,
    "bi lstm concat one-hot": lambda: bidirectional("LSTM", "concat", ONE_HOT),
    "bi gru sum masked": lambda: bidirectional("GRU", "sum", MASKING),
    "bi rnn concat masked": lambda: bidirectional("SimpleRNN", "concat", MASKING),
    "bi gru last states": lambda: bidirectional("GRU", "sum", None, sequences=False),
    "bi lstm last states": lambda: bidirectional("LSTM", "concat", None, sequences=False),
    "masked lstm": lambda: masked_reader("LSTM"),
    "masked gru": lambda: masked_reader("GRU"),
    "masked classic gru": lambda: masked_reader("GRU", {"reset_after": False}),
    "masked rnn truncated": lambda: masked_reader("SimpleRNN", {"bptt_steps": 3}),
    "lstm h0 c0": lambda: encoder_decoder("LSTM"),
    "gru h0 masked": lambda: encoder_decoder("GRU", mask=True),
    "rnn h0": lambda: encoder_decoder("SimpleRNN"),
    "classic gru h0": lambda: encoder_decoder("GRU", options={"reset_after": False}),
    "attention masks": lambda: masked_attention(False),
    "causal attention masks": lambda: masked_attention(True),
}


@pytest.mark.parametrize("name", PROJECTS)
def test_outputs_loss_and_gradients_equal_the_engine(name, tmp_path):
    numpy_matches_engine(PROJECTS[name](), tmp_path)


@pytest.mark.parametrize("name", ["conv transpose", "bi gru sum masked", "masked lstm",
                                  "masked classic gru", "lstm h0 c0", "gru h0 masked",
                                  "causal attention masks"])
def test_a_few_training_steps_end_on_the_engines_weights(name, tmp_path):
    project = PROJECTS[name]()
    numpy_training_matches_engine(project, tmp_path)


def test_spatial_dropout_drops_whole_channels_while_training(tmp_path):
    project = PROJECTS["conv transpose"]()
    project.graph.set_options("drop", {"rate": 0.5})
    script, P, data = exported(project, random_weights(project), tmp_path)
    x = data["x_train"][:8]
    _, cache = script.forward(P, x, training=True, rng=np.random.default_rng(0))
    mask = cache["drop"]
    assert mask.shape == (8, 2, 1, 1)  # one decision per sample and channel
    assert set(np.unique(mask)) == {0.0, 2.0}  # dropped, or kept and scaled by 1/(1 - 0.5)
    assert script.forward(P, x)[1]["drop"] == 1.0  # evaluation: nothing dropped


def test_several_inputs_read_their_parts_of_the_packed_sample(tmp_path):
    """dates_seq2seq_attention: the date and the decoder's input, packed in one sample."""
    project = example("dates_seq2seq_attention")
    numpy_matches_engine(project, tmp_path / "check")
    source = next((tmp_path / "check").glob("*_numpy.py")).read_text()
    assert "date = x[:, 0:20].reshape(-1, 20)" in source
    assert "answer = x[:, 20:30].reshape(-1, 10)" in source
    project.training.batch_size, project.training.epochs = 16, 2  # 2 × 3 optimizer steps
    weights = random_weights(project)
    script, P, data = exported(project, weights, tmp_path / "train")
    trained = script.train(P, data["x_train"][:48], data["y_train"][:48], 2,
                           project.training.seed)
    expected = engine_trained(project, weights, 48)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
