"""Write the sequence example projects to assets/examples/ (run from the repo root).

Same file format as ``scripts/make_examples.py``: recurrent networks on a sine forecast, the
copy task (LSTM versus SimpleRNN), a character-level language model on Aesop's fables and a
tiny Transformer block that sorts. Check each with ``main.py train <file>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.datasets.registry import load_dataset  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.training import TrainConfig  # noqa: E402
from scripts.example_layout import save_examples, wrap_positions  # noqa: E402

OUT = "assets/examples"


def chain(*layers: dict) -> Graph:
    return wrap_positions(Graph.sequential(list(layers)))


def transformer(length: int, n_tokens: int, dim: int = 32) -> Graph:
    """Embedding + positions → self-attention with a residual Add and LayerNormalization →
    a position-wise feed-forward layer → a softmax over the tokens at every position."""
    graph = Graph()
    nodes = [("Input", "tokens", {"shape": [length]}, (0, 0)),
             ("Embedding", "embed", {"input_dim": n_tokens, "output_dim": dim}, (270, 0)),
             ("PositionalEncoding", "positions", {}, (540, 0)),
             ("MultiHeadAttention", "attention", {"num_heads": 2, "key_dim": 16}, (810, -120)),
             ("Add", "residual", {}, (1080, 0)),
             ("LayerNormalization", "norm", {}, (1350, 0)),
             ("TimeDistributed", "feed_forward", {"units": 64, "activation": "relu"},
              (1620, 0)),
             ("TimeDistributed", "token", {"units": n_tokens, "activation": "softmax"},
              (1890, 0))]
    for kind, name, options, (x, y) in nodes:
        graph.add_node(kind, name, options, (float(x), float(y)))
    for source, target in [("tokens", "embed"), ("embed", "positions"),
                           ("positions", "attention"), ("positions", "residual"),
                           ("attention", "residual"), ("residual", "norm"),
                           ("norm", "feed_forward"), ("feed_forward", "token")]:
        graph.connect(source, target)
    return wrap_positions(graph)


def dates_encoder_decoder(n_tokens: int, units: int = 64) -> Graph:
    """Two Inputs: the date's characters → Embedding → encoder LSTM (a state per character);
    <s> + the answer so far → Embedding → decoder LSTM. Cross-attention: each decoder step
    (query) looks over the encoder's states (keys/values); its summary joins the decoder state
    (Concatenate) → a character at every decoder step."""
    graph = Graph()
    nodes = [("Input", "date", {"shape": [20], "part": "source"}, (0, 0)),
             ("Embedding", "date_chars", {"input_dim": n_tokens, "output_dim": 16}, (270, 0)),
             ("LSTM", "encoder", {"units": units, "return_sequences": True}, (540, 0)),
             ("Input", "answer", {"shape": [10], "part": "decoder input"}, (0, 260)),
             ("Embedding", "answer_chars", {"input_dim": n_tokens, "output_dim": 16},
              (270, 260)),
             ("LSTM", "decoder", {"units": units, "return_sequences": True}, (540, 260)),
             ("MultiHeadAttention", "attention", {"num_heads": 1, "key_dim": 32}, (945, 130)),
             ("Concatenate", "combine", {}, (1215, 260)),
             ("TimeDistributed", "character", {"units": n_tokens, "activation": "softmax"},
              (1485, 260))]
    for kind, name, options, (x, y) in nodes:
        graph.add_node(kind, name, options, (float(x), float(y)))
    for source, target in [("date", "date_chars"), ("date_chars", "encoder"),
                           ("answer", "answer_chars"), ("answer_chars", "decoder"),
                           ("decoder", "attention"), ("encoder", "attention"),
                           ("decoder", "combine"),
                           ("attention", "combine"),
                           ("combine", "character")]:
        graph.connect(source, target)
    return graph


def examples() -> dict[str, Project]:
    chars = load_dataset({"name": "char_text", "n_samples": 10}).n_classes
    dates = load_dataset({"name": "dates", "n_samples": 10})  # the vocabulary size
    return {
        "sine_rnn": Project(
            chain({"kind": "Input", "name": "window", "shape": [30, 1]},
                  {"kind": "SimpleRNN", "name": "rnn", "units": 16},
                  {"kind": "Dense", "name": "next_value", "units": 1, "activation": "linear"}),
            {"name": "sine_forecast", "n_samples": 1000, "window": 30, "noise": 0.05},
            TrainConfig(loss="mse", optimizer="adam", optimizer_options={"learning_rate": 0.01},
                        batch_size=32, epochs=20, max_steps_per_second=300.0),
            name="Sine forecast — a SimpleRNN",
            description="Read 30 values of a sum of two sine waves, predict the next one.",
            lesson="The recurrent layer reads the window one value at a time and keeps a "
                   "16-number memory (its hidden state); the Dense layer turns the last state "
                   "into the forecast. Set the dataset's horizon to 5 and the last layer's "
                   "units to 5 to predict five steps ahead: the further ahead, the harder. "
                   "Raise the noise to see how much of the wave is still predictable.",
        ),
        "copy_lstm_vs_rnn": Project(
            chain({"kind": "Input", "name": "tokens", "shape": [10]},
                  {"kind": "Embedding", "name": "embed", "input_dim": 5, "output_dim": 16},
                  {"kind": "LSTM", "name": "memory", "units": 64, "return_sequences": True},
                  {"kind": "TimeDistributed", "name": "symbol", "units": 5,
                   "activation": "softmax"}),
            {"name": "copy", "length": 5, "vocab_size": 4, "n_samples": 2000},
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.02},
                        batch_size=16, epochs=15, max_steps_per_second=300.0),
            name="Copy — LSTM versus SimpleRNN",
            description="Read 5 symbols, then write them again: the network must remember "
                        "them across the blanks.",
            lesson="The LSTM learns to copy 5 symbols almost perfectly. Now make it harder: "
                   "set the dataset's length to 10, the Input shape to 20 (two positions per "
                   "symbol) and the epochs to 30. The LSTM still gets about 90 % right. Then "
                   "swap the LSTM for a SimpleRNN: it stalls near 67 %. Half the positions are "
                   "blanks and a blind guess gets one symbol in 4, so 62.5 % means 'remembers "
                   "nothing': the SimpleRNN's gradient fades over the 10-step gap, while the "
                   "LSTM's gates and cell state carry the symbols across it. At length 20 even "
                   "the LSTM needs much more training.",
        ),
        "char_lstm": Project(
            chain({"kind": "Input", "name": "characters", "shape": [40]},
                  {"kind": "Embedding", "name": "embed", "input_dim": chars, "output_dim": 24},
                  {"kind": "LSTM", "name": "lstm", "units": 128, "return_sequences": True},
                  {"kind": "TimeDistributed", "name": "next_char", "units": chars,
                   "activation": "softmax"}),
            {"name": "char_text", "length": 40, "n_samples": 4000},
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.005},
                        batch_size=32, epochs=12, max_steps_per_second=300.0),
            name="Character language model — Aesop's fables",
            description="Predict the next character of the fables at every position.",
            lesson="At every position the network guesses the next character. A guess by "
                   "letter frequency alone is right about 16 % of the time (spaces and 'e'); "
                   "watch the accuracy climb as the LSTM learns spelling, then common words. "
                   "Once trained, generate text from a prompt: a low temperature repeats the "
                   "likeliest words, a high one invents words; top-k sampling keeps only the k "
                   "likeliest characters at each step.",
        ),
        "dates_seq2seq_attention": Project(
            dates_encoder_decoder(dates.n_classes),
            {"name": "dates", "layout": "encoder-decoder", "n_samples": 3000},
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.005},
                        batch_size=32, epochs=10, max_steps_per_second=50.0),
            name="Dates → ISO format: encoder–decoder with attention",
            description="Translate '3 March 2021' into '2021-03-03', one character at a time.",
            lesson="Two networks work together. The encoder (top row) reads the date and keeps "
                   "a state for every character. The decoder (bottom row) writes the answer: "
                   "it reads a start mark <s> and the answer so far, and at every step the "
                   "cross-attention layer lets it look back over the encoder's states — the "
                   "query comes from the decoder, the keys and values from the encoder. During "
                   "training the decoder is shown the true previous characters (teacher "
                   "forcing); Look inside → Translations shows the network translating on its "
                   "own, feeding back its own guesses. Open Attention: early on the weights "
                   "are a blur; as accuracy rises, the year's digits look at the year and the "
                   "month at the month (the encoder's states mix neighbours, so the alignment "
                   "is near the expected place rather than exactly on it). Then try the classic "
                   "encoder–decoder without attention: delete 'attention' and 'combine', wire "
                   "the decoder into 'character', add a Sequence Pooling (last) after the "
                   "encoder and wire it into the decoder as "
                   "its second input — its initial state, the only thing it now knows about "
                   "the date. It learns far more slowly: one state of 64 numbers must carry the "
                   "whole date.",
        ),
        "tiny_transformer": Project(
            transformer(10, 9),
            {"name": "sort", "length": 5, "vocab_size": 8, "n_samples": 3000},
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                        batch_size=32, epochs=15, max_steps_per_second=300.0),
            name="Tiny Transformer — sorting",
            description="One self-attention block reads 5 symbols and writes them in order.",
            lesson="No recurrence here: every position looks at every other position at once "
                   "through attention, and the positional encoding tells the positions apart. "
                   "Remove the PositionalEncoding (wire the Embedding straight in): the "
                   "network can no longer tell the answer slots apart and accuracy drops to "
                   "about 70 %. Look at the attention weights: each answer slot learns to look "
                   "at the symbols. The Add layer is a residual connection: it keeps the input "
                   "next to what attention added.",
        ),
    }


def main() -> None:
    save_examples(examples(), OUT)


if __name__ == "__main__":
    main()
