"""A ``Vocabulary``: text ↔ token ids, at the character or the word level.

Id 0 is always the padding token ``<pad>`` and id 1 the unknown token ``<unk>`` (any token not
seen when the vocabulary was built); further special tokens (e.g. a start token ``<s>``) come
next, then the tokens by falling frequency (ties in alphabetical order, so the same text always
gives the same ids). ``encode`` turns a text into an int64 array ``(T,)``, padded with 0 or cut
to a fixed ``length`` if asked; ``decode`` turns ids back into text (padding left out).

Character level: every character is a token (``"cat" -> ["c", "a", "t"]``). Word level: words
(letters, digits and apostrophes) and single punctuation marks are tokens and spaces separate
them (``"Not good!" -> ["not", "good", "!"]`` with ``lowercase``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from engine.types import ConfigError

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
LEVELS = ("char", "word")
_WORD = re.compile(r"[\w']+|[^\w\s]")


class Vocabulary:
    """Token ↔ id tables. ``tokens[i]`` is the token of id ``i``; ``tokens[:2]`` are
    ``<pad>`` and ``<unk>``."""

    def __init__(self, tokens: Sequence[str], level: str = "char", lowercase: bool = False
                 ) -> None:
        if level not in LEVELS:
            raise ConfigError(f"A vocabulary is 'char' or 'word' level, not '{level}'.")
        tokens = list(tokens)
        if tokens[:2] != [PAD, UNK]:
            tokens = [PAD, UNK] + [t for t in tokens if t not in (PAD, UNK)]
        if len(set(tokens)) != len(tokens):
            raise ConfigError("A vocabulary cannot list the same token twice.")
        self.tokens, self.level, self.lowercase = tokens, level, lowercase
        self.ids = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, texts: str | Iterable[str], level: str = "char", lowercase: bool = False,
              specials: Sequence[str] = (), min_count: int = 1,
              max_size: int | None = None) -> Vocabulary:
        """The vocabulary of ``texts`` (one text or several): tokens seen at least
        ``min_count`` times, the most frequent first, at most ``max_size`` ids in all."""
        if level not in LEVELS:
            raise ConfigError(f"A vocabulary is 'char' or 'word' level, not '{level}'.")
        probe = cls([], level, lowercase)
        counts: Counter[str] = Counter()
        for text in [texts] if isinstance(texts, str) else texts:
            counts.update(probe.split(text))
        ranked = sorted((t for t, c in counts.items() if c >= min_count),
                        key=lambda t: (-counts[t], t))
        tokens = [PAD, UNK, *specials, *(t for t in ranked if t not in specials)]
        return cls(tokens[:max_size] if max_size else tokens, level, lowercase)

    def __len__(self) -> int:
        return len(self.tokens)

    def split(self, text: str) -> list[str]:
        """A text -> its tokens (characters, or words and punctuation marks)."""
        if self.lowercase:
            text = text.lower()
        return list(text) if self.level == "char" else _WORD.findall(text)

    def id_of(self, token: str) -> int:
        return self.ids.get(token.lower() if self.lowercase else token, UNK_ID)

    def encode(self, text: str, length: int | None = None, pad: str = "post") -> np.ndarray:
        """``text`` -> ids ``(T,)`` int64; with ``length`` padded with 0 or cut to that many,
        the padding (and the cut) at the end (``pad="post"``) or the start (``"pre"``)."""
        ids = np.array([self.ids.get(t, UNK_ID) for t in self.split(text)], dtype=np.int64)
        return ids if length is None else pad_ids(ids, length, pad)

    def encode_batch(self, texts: Sequence[str], length: int, pad: str = "post") -> np.ndarray:
        """Several texts -> ``(N, length)`` int64 ids, padded or cut as ``encode``."""
        out = np.zeros((len(texts), length), dtype=np.int64)
        for i, text in enumerate(texts):
            out[i] = self.encode(text, length, pad)
        return out

    def decode(self, ids: Iterable[Any], skip_pad: bool = True) -> str:
        """Ids (any integers or whole floats) -> text; characters are joined as they are,
        words with spaces (no space before punctuation)."""
        parts = []
        for i in np.asarray(list(ids), dtype=np.float64).round().astype(np.int64):
            if skip_pad and i == PAD_ID:
                continue
            parts.append(self.tokens[i] if 0 <= i < len(self.tokens) else UNK)
        if self.level == "char":
            return "".join(parts)
        text = " ".join(parts)
        return re.sub(r" ([^\w\s<'])", r"\1", text)

    def to_dict(self) -> dict[str, Any]:
        return {"tokens": list(self.tokens), "level": self.level, "lowercase": self.lowercase}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vocabulary:
        return cls(data["tokens"], data.get("level", "char"), bool(data.get("lowercase")))


def pad_ids(ids: np.ndarray, length: int, pad: str = "post") -> np.ndarray:
    """``ids: (n,)`` -> ``(length,)``: padded with 0 or cut, at the end ("post") or the start
    ("pre", as Keras' ``pad_sequences`` does by default)."""
    if pad not in ("pre", "post"):
        raise ConfigError(f"Padding goes 'pre' (before) or 'post' (after), not '{pad}'.")
    ids = np.asarray(ids, dtype=np.int64)
    ids = ids[:length] if pad == "post" else ids[max(len(ids) - length, 0):]
    out = np.zeros(length, dtype=np.int64)
    if pad == "post":
        out[:len(ids)] = ids
    elif len(ids):
        out[-len(ids):] = ids
    return out
