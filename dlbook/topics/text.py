"""Chapter 12 (applications of RNNs).
Character-level language modelling: a vocabulary, chunks for truncated backprop
through time, a cross-entropy over sequences, and temperature sampling.

A character model reads ids x_1..x_T and predicts x_{t+1} from x_1..x_t at every
step: logits of shape (N, T, V) scored against the next ids (N, T).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from dlbook import functional as F
from dlbook._checks import (
    float_array,
    floats,
    generator,
    indices,
    instance,
    int_array,
    labels,
    positive,
    positive_int,
    validate,
)
from dlbook.nn import RNN, Embedding, Loss, Module


class CharVocab:
    """Characters ↔ ids 0..V-1, sorted; characters seen fewer than ``min_count`` times in
    ``text`` (and any unseen later) map to the single symbol ``unk``."""

    def __init__(self, text: str, *, min_count: int = 1, unk: str = "~") -> None:
        _check_vocab(text, min_count, unk)
        counts = Counter(text)
        kept = {c for c, n in counts.items() if n >= min_count and c != unk}
        self.min_count, self.unk = min_count, unk
        self.chars: list[str] = sorted(kept | {unk})
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def size(self) -> int:
        """V, the number of symbols (``unk`` included)."""
        return len(self.chars)

    @validate(text=instance(str))
    def encode(self, text: str) -> np.ndarray:
        """ids[i] = index of text[i] (or of ``unk``), as int64 of shape (len(text),)."""
        u = self.index[self.unk]
        return np.fromiter((self.index.get(c, u) for c in text), dtype=np.int64,
                           count=len(text))

    def decode(self, ids: np.ndarray) -> str:
        """The characters of a 1-D array of ids."""
        _check_ids(ids, self.size)
        return "".join(self.chars[i] for i in ids)

    def __repr__(self) -> str:
        return f"CharVocab(size={self.size}, unk={self.unk!r})"


def _check_vocab(text: str, min_count: int, unk: str) -> None:
    if not instance(str)(text, "text"):
        raise ValueError("text must be a non-empty str, got ''")
    positive_int(min_count, "min_count")
    if len(instance(str)(unk, "unk")) != 1:
        raise ValueError(f"unk must be a single character, got {unk!r}")


def _check_ids(ids: np.ndarray, size: int) -> None:
    int_array(ids, "ids", ndim=1)
    indices(ids, "ids", size)


def tbptt_chunks(ids: np.ndarray, batch_size: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a stream into ``batch_size`` parallel rows of n = ⌊(len - 1)/B⌋ ids and return
    (X, Y) of shape (K, B, L), K = ⌊n/L⌋, with Y = X shifted one step: Y[k,b,t] = X[k,b,t+1].

    Row b of chunk k + 1 continues row b of chunk k, so a model may carry its hidden state
    from one chunk to the next (truncated backprop through time); the tail is dropped.
    """
    _check_chunks(ids, batch_size, seq_len)
    b, length = batch_size, seq_len
    n = (ids.size - 1) // b
    k = n // length
    x = ids[: b * n].reshape(b, n)[:, : k * length]
    y = ids[1 : b * n + 1].reshape(b, n)[:, : k * length]
    # (B, K·L) → (B, K, L) → (K, B, L)
    return (x.reshape(b, k, length).transpose(1, 0, 2).copy(),
            y.reshape(b, k, length).transpose(1, 0, 2).copy())


def _check_chunks(ids: np.ndarray, batch_size: int, seq_len: int) -> None:
    labels(ids, "ids")  # a non-empty 1-D array of integers >= 0
    b, length = positive_int(batch_size, "batch_size"), positive_int(seq_len, "seq_len")
    if (ids.size - 1) // b < length:
        raise ValueError(f"ids of length {ids.size} are too short for batch_size={b} and "
                         f"seq_len={length}: need at least {b * length + 1} ids")


def _flatten(logits: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    float_array(logits, "logits", ndim=3)
    int_array(target, "target", ndim=2)
    if target.shape != logits.shape[:2]:
        raise ValueError(f"target must have shape (N, T) = {logits.shape[:2]} to match "
                         f"logits {logits.shape}, got {target.shape}")
    v = logits.shape[2]
    indices(target, "target", v)
    return logits.reshape(-1, v), target.reshape(-1)


def sequence_cross_entropy(logits: np.ndarray, target: np.ndarray) -> float:
    """CE = -(1/NT) Σ_{n,t} log softmax(z_{n,t})[y_{n,t}] = mean(logsumexp(z) - z[y]),
    from logits (N, T, V) and next ids (N, T)."""
    z, y = _flatten(logits, target)
    # Index the true class instead of building a one-hot (N·T, V) matrix.
    return float(np.mean(F.logsumexp(z, axis=1) - z[np.arange(y.size), y]))


def sequence_cross_entropy_grad(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂CE/∂z_{n,t} = (softmax(z_{n,t}) - onehot(y_{n,t})) / (NT), of shape (N, T, V)."""
    z, y = _flatten(logits, target)
    grad = F.softmax(z, axis=1)
    grad[np.arange(y.size), y] -= 1.0
    grad /= y.size
    return grad.reshape(logits.shape)


class SequenceCrossEntropyLoss(Loss):
    """Mean per-step softmax cross-entropy from logits (N, T, V) and next ids (N, T), in nats."""

    value_fn, grad_fn = sequence_cross_entropy, sequence_cross_entropy_grad


@validate(logits=floats(ndim=2), rng=generator, temperature=positive)
def sample_categorical(logits: np.ndarray, *, rng: np.random.Generator,
                       temperature: float = 1.0) -> np.ndarray:
    """One draw k ~ softmax(z / τ) per row of logits (N, V), by inverse CDF with one
    uniform per row; returns int64 ids (N,). τ < 1 sharpens, τ > 1 flattens."""
    p = F.softmax(logits / temperature, axis=1)
    cdf = np.cumsum(p, axis=1)
    u = rng.random((logits.shape[0], 1)) * cdf[:, -1:]
    return np.minimum((cdf <= u).sum(axis=1), logits.shape[1] - 1).astype(np.int64)


def generate(embedding: Embedding, rnn: RNN, head: Module, prompt: np.ndarray, length: int,
             *, rng: np.random.Generator, temperature: float = 1.0) -> np.ndarray:
    """Read ``prompt`` ids (N, P) (or (P,)), then sample ``length`` ids one at a time:
    h_t = rnn(E[x_t], h_{t-1}), x_{t+1} ~ softmax(head(h_t) / τ), fed back as the next input."""
    _check_generate(embedding, rnn, head, prompt, length, rng, temperature)
    ids = prompt[None] if prompt.ndim == 1 else prompt
    rnn(embedding(ids))  # read the prompt; the state is now rnn.h_last
    h = rnn.h_last
    out = np.empty((ids.shape[0], length), dtype=np.int64)
    for t in range(length):
        out[:, t] = sample_categorical(head(h), rng=rng, temperature=temperature)
        if t + 1 < length:
            rnn(embedding(out[:, t : t + 1]), h)
            h = rnn.h_last
    return out[0] if prompt.ndim == 1 else out


def _check_generate(embedding: Embedding, rnn: RNN, head: Module, prompt: np.ndarray,
                    length: int, rng: np.random.Generator, temperature: float) -> None:
    instance(Embedding)(embedding, "embedding")
    instance(RNN)(rnn, "rnn")
    instance(Module)(head, "head")
    indices(prompt, "prompt", embedding.num_embeddings)
    if prompt.ndim not in (1, 2) or prompt.size == 0:
        raise ValueError(f"prompt must be a non-empty (P,) or (N, P) array, got {prompt.shape}")
    positive_int(length, "length")
    generator(rng)
    positive(temperature, "temperature")
