"""Text datasets: a character-level language model, a sentiment corpus and toy date translation.

Token ids are stored as float32 in ``x`` (an Embedding turns them into vectors); id 0 is the
padding ``<pad>`` and id 1 ``<unk>`` (``engine.text.tokenizer.Vocabulary``). ``class_names``
holds the vocabulary, so ``Vocabulary(data.class_names)`` decodes a per-position prediction.

- ``char_text`` (per position): windows of ``length`` characters of the bundled fables
  (``assets/text/aesop_fables.txt``); ``x: (N, T)`` the characters, ``y: (N, T)`` the *next*
  character at every position (``y[:, t] = x[:, t + 1]``, and the character after the window
  at the end). The validation windows come from the last part of the text (``val_split``).
- ``sentiment`` (one label per sentence): generated reviews ("the plot was not very good but
  the music was great"), word ids padded with 0 to ``length`` words before (``pre``, best for
  a recurrent layer's last state) or after the words; ``y: (N,)`` 0 negative / 1 positive.
  Negations flip the adjective; after "but" the second clause decides.
- ``dates`` (per position): "3 March 2021", "March 3, 2021", "03/03/2021" or "3 mar 2021" →
  "2021-03-03", character level. The Model has a single input, so the registered layout is the
  decoder-only one: ``x: (N, 30)`` = source padded to 20 characters, the start token ``<s>``,
  then the first 9 target characters (teacher forcing: the target shifted right);
  ``y: (N, 30)`` = ``<pad>`` (0) for the 20 source positions, then the 10 target characters.
  ``date_arrays`` gives the classic encoder-decoder arrays instead: ``source (N, 20)``,
  ``decoder_input (N, 10)`` (= ``<s>`` + target[:-1]) and ``target (N, 10)``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData
from engine.datasets.options import Option
from engine.datasets.sequences import TAIL, n_samples_option, split_raw
from engine.resources import asset
from engine.text.tokenizer import PAD, UNK, Vocabulary
from engine.types import DataError

TEXT_PATH = asset("text", "aesop_fables.txt")


# -- char_text --------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def load_corpus() -> str:
    """The bundled fables, whitespace runs inside lines collapsed."""
    try:
        raw = TEXT_PATH.read_text(encoding="utf-8")
    except OSError as err:
        raise DataError(f"The bundled text {TEXT_PATH} cannot be read ({err}).") from err
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    return "\n".join(lines).strip() + "\n"


def text_vocabulary(lowercase: bool = True) -> Vocabulary:
    """The character vocabulary of the bundled text (the ids ``char_text`` uses)."""
    return Vocabulary.build(load_corpus(), "char", lowercase=lowercase)


def char_windows(ids: np.ndarray, n: int, length: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random windows of ``ids: (L,)``: ``x, y: (n, length)``, y = x shifted by one."""
    if len(ids) < length + 2:
        raise DataError(f"The text part has {len(ids)} characters, too few for windows of "
                        f"{length}; lower 'length' or 'val_split'.")
    starts = rng.integers(0, len(ids) - length - 1, n)
    idx = starts[:, None] + np.arange(length)[None, :]
    return ids[idx], ids[idx + 1]


def char_text(o: dict[str, Any]) -> RawData:
    rng = np.random.default_rng(o["seed"])
    vocab = text_vocabulary(o["lowercase"])
    ids = vocab.encode(load_corpus())
    n, length = o["n_samples"], o["length"]
    n_val = int(round(n * o["val_split"]))
    cut = int(len(ids) * (1.0 - o["val_split"]))
    x, y = char_windows(ids[:cut], n - n_val, length, rng)
    xv, yv = (char_windows(ids[cut:], n_val, length, rng) if n_val else
              (np.zeros((0, length), np.int64), np.zeros((0, length), np.int64)))
    desc = (f"Aesop's fables, character level: {length} characters in, the next character at "
            f"every position; {len(ids):,} characters, {len(vocab)} different tokens")
    return RawData(x.astype(np.float32), y, CLASSIFICATION, len(vocab),
                   [f"t{i + 1}" for i in range(length)], list(vocab.tokens), desc,
                   fixed_split=(xv.astype(np.float32), yv))


# -- sentiment --------------------------------------------------------------------------------
POSITIVE = ("good", "great", "wonderful", "excellent", "fun", "brilliant", "lovely",
            "charming", "moving", "clever")
NEGATIVE = ("bad", "awful", "boring", "terrible", "dull", "weak", "silly", "painful", "messy",
            "bland")
SUBJECTS = ("the movie", "the film", "the plot", "the acting", "the story", "the music",
            "the ending", "the cast", "this show", "the script")
LINKS = ("was", "is", "felt", "seemed")
ADVERBS = ("", "", "really", "very", "quite", "so", "truly")
LIKES = {"loved": ("love", 1), "liked": ("like", 1), "enjoyed": ("enjoy", 1),
         "hated": ("hate", 0), "disliked": ("dislike", 0)}


def _clause(rng: np.random.Generator, negation: bool) -> tuple[str, int]:
    """One clause and its label (1 positive)."""
    negate = negation and rng.random() < 0.4
    if rng.random() < 0.7:
        label = int(rng.integers(0, 2))
        adj = str(rng.choice(POSITIVE if label else NEGATIVE))
        adv = str(rng.choice(ADVERBS))
        words = [str(rng.choice(SUBJECTS)), str(rng.choice(LINKS)), "not" * negate, adv, adj]
    else:
        past = str(rng.choice(list(LIKES)))
        base, label = LIKES[past]
        verb = ["did not", base] if negate else [past]
        words = ["i", *verb, str(rng.choice(SUBJECTS))]
    return " ".join(w for w in words if w), label ^ int(negate)


def sentence(rng: np.random.Generator, negation: bool = True) -> tuple[str, int]:
    """A generated review and its label; 30 % are two clauses joined by "but"."""
    first, label = _clause(rng, negation)
    if rng.random() < 0.3:
        second, label = _clause(rng, negation)
        return f"{first} but {second}", label
    return first, label


def sentiment_vocabulary() -> Vocabulary:
    """Word vocabulary of every word the generator can use (independent of the seed)."""
    words = [*POSITIVE, *NEGATIVE, *" ".join(SUBJECTS).split(), *LINKS, *filter(None, ADVERBS),
             *LIKES, *(b for b, _ in LIKES.values()), "i", "did", "not", "but"]
    return Vocabulary([PAD, UNK, *sorted(set(words))], "word", lowercase=True)


def sentiment(o: dict[str, Any]) -> RawData:
    rng = np.random.default_rng(o["seed"])
    pairs = [sentence(rng, o["negation"]) for _ in range(o["n_samples"])]
    vocab = sentiment_vocabulary()
    x = vocab.encode_batch([p[0] for p in pairs], o["length"], o["padding"])
    y = np.array([p[1] for p in pairs], dtype=np.int64)
    desc = (f"Sentiment: {o['n_samples']} generated reviews (e.g. \"{pairs[0][0]}\"), word ids "
            f"padded to {o['length']}, vocabulary of {len(vocab)} words")
    return split_raw(x, y, o["val_split"], CLASSIFICATION, 2,
                     [f"w{i + 1}" for i in range(o["length"])], ["negative", "positive"], desc)


# -- dates ------------------------------------------------------------------------------------
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
START = "<s>"
SOURCE_LEN, TARGET_LEN = 20, 10


def date_pair(rng: np.random.Generator) -> tuple[str, str]:
    """A human-written date and its ISO form, e.g. ("March 3, 2021", "2021-03-03")."""
    year, month = int(rng.integers(1950, 2050)), int(rng.integers(1, 13))
    day = int(rng.integers(1, DAYS[month - 1] + 1))
    name = MONTHS[month - 1]
    style = int(rng.integers(0, 4))
    source = (f"{day} {name} {year}", f"{name} {day}, {year}", f"{day:02d}/{month:02d}/{year}",
              f"{day} {name[:3].lower()} {year}")[style]
    return source, f"{year:04d}-{month:02d}-{day:02d}"


def date_vocabulary() -> Vocabulary:
    chars = sorted(set("".join(MONTHS) + "".join(MONTHS).lower() + "0123456789 ,/-"))
    return Vocabulary([PAD, UNK, START, *chars], "char")


def date_arrays(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Encoder-decoder arrays (int64): ``source (n, 20)`` padded after the text,
    ``decoder_input (n, 10)`` = ``<s>`` + target[:-1], ``target (n, 10)``."""
    vocab = date_vocabulary()
    pairs = [date_pair(rng) for _ in range(n)]
    source = vocab.encode_batch([p[0] for p in pairs], SOURCE_LEN)
    target = vocab.encode_batch([p[1] for p in pairs], TARGET_LEN)
    start = np.full((n, 1), vocab.id_of(START), dtype=np.int64)
    return {"source": source, "decoder_input": np.concatenate([start, target[:, :-1]], 1),
            "target": target}


DATE_PARTS: list[tuple[str, tuple[int, ...]]] = [("source", (SOURCE_LEN,)),
                                              ("decoder input", (TARGET_LEN,))]
DATE_LAYOUTS = ("one sequence", "encoder-decoder")


def dates(o: dict[str, Any]) -> RawData:
    """Each sample is the source date (20 ids) followed by ``<s>`` + the answer so far (10).

    ``layout`` "one sequence": one input of 30 ids, a target per position (0 = padding under
    the source); "encoder-decoder": the same 30 ids as two named parts, "source" and
    "decoder input" (two Input layers, ``Dataset.input_parts``), and the 10 answer
    characters as targets (teacher forcing: the decoder reads the true previous character)."""
    rng = np.random.default_rng(o["seed"])
    a = date_arrays(o["n_samples"], rng)
    n = o["n_samples"]
    x = np.concatenate([a["source"], a["decoder_input"]], 1)
    vocab = date_vocabulary()
    example = f"\"{vocab.decode(a['source'][0])}\" → \"{vocab.decode(a['target'][0])}\""
    names = [f"s{i + 1}" for i in range(SOURCE_LEN)] + [f"d{i + 1}" for i in range(TARGET_LEN)]
    if o.get("layout") == "encoder-decoder":
        desc = (f"Dates: {example}; two inputs — the source (20 characters) for the encoder "
                f"and <s> + the answer so far (10) for the decoder — and the next answer "
                f"character out at each of the 10 decoder steps; {n} dates")
        return split_raw(x, a["target"], o["val_split"], CLASSIFICATION, len(vocab), names,
                         list(vocab.tokens), desc, input_parts=DATE_PARTS)
    y = np.concatenate([np.zeros((n, SOURCE_LEN), dtype=np.int64), a["target"]], 1)
    desc = (f"Dates: {example}; source (20 characters) + <s> + answer so far in, the next "
            f"answer character out; {n} dates")
    return split_raw(x, y, o["val_split"], CLASSIFICATION, len(vocab), names,
                     list(vocab.tokens), desc)


GROUP = "text"
CATALOG: list[tuple[str, str, str, str, list[Option], Callable[[dict[str, Any]], RawData]]] = [
    ("char_text", "Fables, one character at a time", GROUP, CLASSIFICATION,
     [n_samples_option(4000),
      Option("length", 40, "int", "Characters per window.", low=2, high=1000),
      Option("lowercase", True, "bool", "Fold capitals to small letters (fewer tokens)."),
      *TAIL], char_text),
    ("sentiment", "Sentiment of short reviews", GROUP, CLASSIFICATION,
     [n_samples_option(2000),
      Option("length", 16, "int", "Words per review (padded with 0 or cut).", low=2, high=200),
      Option("padding", "pre", "choice", "Put the padding before the words ('pre': the last "
             "step of a recurrent layer then sees the last word) or after them.",
             choices=("pre", "post")),
      Option("negation", True, "bool", "Use 'not' and 'did not' (which flip the meaning)."),
      *TAIL], sentiment),
    ("dates", "Dates → ISO format (translation)", GROUP, CLASSIFICATION,
     [n_samples_option(3000),
      Option("layout", "one sequence", "choice", "'one sequence': source, <s> and the answer "
             "so far in one input; 'encoder-decoder': two inputs, the source for an encoder "
             "and the answer so far for a decoder.", choices=DATE_LAYOUTS),
      *TAIL], dates),
]
