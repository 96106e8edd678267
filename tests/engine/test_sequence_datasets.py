"""Sequence and text datasets (engine.datasets.sequences/text) and the Vocabulary tokenizer."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from engine.datasets import text as text_sets
from engine.datasets.registry import dataset_catalog, dataset_option_specs, load_dataset
from engine.text.tokenizer import PAD_ID, UNK_ID, Vocabulary, pad_ids
from engine.types import ConfigError

NAMES = ("sine_forecast", "copy", "reverse", "sort", "add_digits", "brackets", "char_text",
         "sentiment", "dates")


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_declared_options_and_seeded(name):
    assert name in {e["name"] for e in dataset_catalog()}
    shown = {o["name"] for o in dataset_option_specs(name)}
    assert {"seed", "val_split", "n_samples"} <= shown
    a = load_dataset({"name": name, "n_samples": 200})
    b = load_dataset({"name": name, "n_samples": 200})
    c = load_dataset({"name": name, "n_samples": 200, "seed": 1})
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)
    assert a.n_train + a.n_val <= 200 and a.n_val > 0
    assert a.x_train.dtype == np.float32 and np.all(np.isfinite(a.x_train))
    if a.task == "classification":
        assert a.y_train.dtype == np.int64 and a.y_train.max() < a.n_classes
        assert len(a.class_names) == a.n_classes


def test_sine_forecast_windows_continue_the_series():
    d = load_dataset({"name": "sine_forecast", "n_samples": 300, "window": 12, "horizon": 3})
    assert d.x_train.shape[1:] == (12, 1) and d.y_train.shape[1:] == (3,)
    assert d.task == "regression" and d.output_dim == 3
    x, y = d.x_val[:, :, 0], d.y_val  # validation windows are consecutive
    np.testing.assert_array_equal(x[1:, :-1], x[:-1, 1:])
    np.testing.assert_array_equal(y[:-1, 0], x[1:, -1])
    np.testing.assert_array_equal(y[:-1, 1:], y[1:, :-1])
    # no training window (inputs or targets) reaches into the validation part of the series
    train_values = set(d.x_train.ravel()) | set(d.y_train.ravel())
    assert not train_values & (set(d.x_val.ravel()) | set(d.y_val.ravel()))


@pytest.mark.parametrize("kind", ["copy", "reverse", "sort"])
def test_recall_tasks_answer_after_the_blanks(kind):
    d = load_dataset({"name": kind, "length": 4, "vocab_size": 6, "n_samples": 100})
    x, y = d.x_train.astype(np.int64), d.y_train
    assert x.shape[1:] == (8,) and y.shape[1:] == (8,) and d.n_classes == 7
    assert np.all(x[:, 4:] == 0) and np.all(y[:, :4] == 0)
    assert 1 <= x[:, :4].min() and x[:, :4].max() <= 6
    expected = {"copy": x[:, :4], "reverse": x[:, 3::-1], "sort": np.sort(x[:, :4], 1)}[kind]
    np.testing.assert_array_equal(y[:, 4:], expected)


@pytest.mark.parametrize("reversed_digits", [True, False])
def test_add_digits_sums_are_right(reversed_digits):
    d = load_dataset({"name": "add_digits", "length": 3, "n_samples": 50,
                      "reversed_digits": reversed_digits})
    names = d.class_names
    assert d.x_train.shape[1:] == (12,) and names[11:] == ["+", "="]
    for x, y in zip(d.x_train.astype(np.int64), d.y_train):
        text = "".join(names[i] for i in x)
        answer = "".join(names[i] for i in y[-4:])
        a, b = text[:3], text[4:7]
        assert text[3] == "+" and text[7] == "=" and np.all(y[:-4] == 0)
        if reversed_digits:
            a, b, answer = a[::-1], b[::-1], answer[::-1]
        assert int(a) + int(b) == int(answer)


def is_balanced(ids: np.ndarray) -> bool:
    depth = np.cumsum(np.where(ids == 1, 1, -1))
    return bool(depth.min() >= 0 and depth[-1] == 0)


def test_brackets_labels_and_equal_counts():
    d = load_dataset({"name": "brackets", "length": 10, "n_samples": 300})
    x = d.x_train.astype(np.int64)
    assert d.y_train.shape == (len(x),) and set(np.unique(x)) == {1, 2}
    assert [is_balanced(r) for r in x] == list(d.y_train.astype(bool))
    assert np.all((x == 1).sum(1) == 5)  # counting '(' alone cannot tell
    assert 0.4 < d.y_train.mean() < 0.6
    with pytest.raises(ConfigError, match="even"):
        load_dataset({"name": "brackets", "length": 7})


def test_char_text_predicts_the_next_character():
    d = load_dataset({"name": "char_text", "length": 30, "n_samples": 50})
    x = d.x_train.astype(np.int64)
    np.testing.assert_array_equal(d.y_train[:, :-1], x[:, 1:])
    vocab = Vocabulary(d.class_names, "char")
    corpus = text_sets.load_corpus().lower()
    assert len(corpus) > 20_000
    for row, nxt in zip(x[:5], d.y_train[:5, -1]):
        assert vocab.decode(np.append(row, nxt)) in corpus
    assert d.n_classes == len(text_sets.text_vocabulary())
    # validation windows come from the end of the text
    tail = corpus[int(len(corpus) * 0.8):]
    assert all(vocab.decode(r) in tail for r in d.x_val[:5])


def test_sentiment_negation_and_but():
    vocab = text_sets.sentiment_vocabulary()
    rng = np.random.default_rng(0)
    for _ in range(300):
        sentence, label = text_sets.sentence(rng)
        last = sentence.split(" but ")[-1].split()
        positive_word = any(w in text_sets.POSITIVE or w in ("loved", "liked", "enjoyed",
                                                              "love", "like", "enjoy")
                            for w in last)
        assert label == int(positive_word) ^ int("not" in last), sentence
        assert UNK_ID not in vocab.encode(sentence)
    d = load_dataset({"name": "sentiment", "n_samples": 100, "length": 16})
    assert d.x_train.shape[1:] == (16,) and d.x_train[:, 0].max() == 0  # padded before
    post = load_dataset({"name": "sentiment", "n_samples": 100, "padding": "post"})
    assert post.x_train[:, 0].min() > 0


def test_dates_translate_to_iso_with_teacher_forcing():
    vocab = text_sets.date_vocabulary()
    arrays = text_sets.date_arrays(200, np.random.default_rng(3))
    src, dec, tgt = arrays["source"], arrays["decoder_input"], arrays["target"]
    assert src.shape == (200, 20) and dec.shape == tgt.shape == (200, 10)
    np.testing.assert_array_equal(dec[:, 1:], tgt[:, :-1])
    assert np.all(dec[:, 0] == vocab.id_of("<s>"))
    for s, t in zip(src, tgt):
        source, iso = vocab.decode(s), vocab.decode(t)
        when = datetime.date.fromisoformat(iso)
        for fmt in ("%d %B %Y", "%B %d, %Y", "%d/%m/%Y", "%d %b %Y"):
            try:
                parsed = datetime.datetime.strptime(source.title(), fmt).date()
            except ValueError:
                continue
            assert parsed == when, (source, iso)
            break
        else:
            raise AssertionError(f"unparsed source {source!r}")
    d = load_dataset({"name": "dates", "n_samples": 100})
    x, y = d.x_train.astype(np.int64), d.y_train
    assert x.shape[1:] == y.shape[1:] == (30,)
    assert np.all(y[:, :20] == PAD_ID) and np.all(x[:, 20] == vocab.id_of("<s>"))
    np.testing.assert_array_equal(x[:, 21:], y[:, 20:-1])


def test_vocabulary_char_and_word_levels():
    v = Vocabulary.build("abracadabra", "char")
    assert v.tokens[:2] == ["<pad>", "<unk>"] and v.tokens[2] == "a"  # most frequent first
    ids = v.encode("abrz")
    assert ids.dtype == np.int64 and ids[-1] == UNK_ID
    assert v.decode(v.encode("cadabra")) == "cadabra"
    np.testing.assert_array_equal(v.encode("ab", length=4), [v.id_of("a"), v.id_of("b"), 0, 0])
    np.testing.assert_array_equal(v.encode("ab", length=3, pad="pre"),
                                  [0, v.id_of("a"), v.id_of("b")])
    w = Vocabulary.build(["The movie was not good!", "the plot was good."], "word",
                         lowercase=True, specials=["<s>"])
    assert w.tokens[:3] == ["<pad>", "<unk>", "<s>"]
    assert w.split("Not good!") == ["not", "good", "!"]
    assert w.decode(w.encode("The plot was not good!")) == "the plot was not good!"
    assert w.decode(w.encode("a great plot")) == "<unk> <unk> plot"
    assert Vocabulary.from_dict(w.to_dict()).tokens == w.tokens
    assert len(Vocabulary.build("aab", "char", max_size=3)) == 3
    np.testing.assert_array_equal(pad_ids(np.arange(1, 6), 3, "pre"), [3, 4, 5])
    with pytest.raises(ConfigError):
        Vocabulary(["a"], "sentence")
