"""Character language-model helpers: vocabulary, TBPTT chunks, sequence loss, sampling."""

import numpy as np
import pytest

from dlbook import functional as F
from dlbook import nn
from dlbook.gradcheck import check_loss
from dlbook.topics import text


def rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------ vocabulary


def test_vocab_round_trip_and_rare_characters_map_to_unk():
    v = text.CharVocab("aaabbc", min_count=2, unk="#")
    assert v.chars == ["#", "a", "b"] and v.size == len(v) == 3
    ids = v.encode("abcz")
    assert ids.dtype == np.int64 and ids.tolist() == [1, 2, 0, 0]
    assert v.decode(ids) == "ab##"
    assert v.decode(v.encode("baab")) == "baab"


def test_vocab_unk_in_text_is_not_duplicated():
    v = text.CharVocab("ab~~", unk="~")
    assert v.chars == ["a", "b", "~"]


@pytest.mark.parametrize("bad, err", [("", ValueError), (3, TypeError)])
def test_vocab_rejects_bad_text(bad, err):
    with pytest.raises(err, match="text"):
        text.CharVocab(bad)


def test_vocab_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unk"):
        text.CharVocab("abc", unk="??")
    with pytest.raises(ValueError, match="min_count"):
        text.CharVocab("abc", min_count=0)
    v = text.CharVocab("abc")
    with pytest.raises(TypeError, match="str"):
        v.encode(["a"])
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        v.decode(np.array([0, 4]))
    with pytest.raises(TypeError, match="integer"):
        v.decode(np.array([0.0]))


# ------------------------------------------------------------------ TBPTT chunks


def test_tbptt_chunks_shift_by_one_and_continue_across_chunks():
    ids = np.arange(103)
    X, Y = text.tbptt_chunks(ids, batch_size=4, seq_len=5)
    n = 102 // 4  # 25 ids per row
    assert X.shape == Y.shape == (n // 5, 4, 5)
    assert np.array_equal(Y, X + 1)  # consecutive ids: the target is the next one
    # row b of chunk k + 1 starts where row b of chunk k stopped
    assert np.array_equal(X[1:, :, 0], X[:-1, :, -1] + 1)
    # the rows are contiguous slices of the stream, n apart
    assert np.array_equal(X[0, :, 0], np.arange(4) * n)


def test_tbptt_chunks_rejects_bad_input():
    with pytest.raises(ValueError, match="too short"):
        text.tbptt_chunks(np.arange(10), batch_size=4, seq_len=5)
    with pytest.raises(TypeError, match="integer"):
        text.tbptt_chunks(np.arange(100.0), batch_size=2, seq_len=5)
    with pytest.raises(ValueError, match="1-D"):
        text.tbptt_chunks(np.zeros((10, 10), dtype=int), batch_size=2, seq_len=2)


# ------------------------------------------------------------------ sequence loss


def test_sequence_cross_entropy_is_the_flattened_cross_entropy():
    r = rng(1)
    z = r.normal(size=(3, 4, 5))
    y = r.integers(0, 5, size=(3, 4))
    expected = -np.mean(np.take_along_axis(F.log_softmax(z, axis=2), y[..., None], 2))
    assert text.sequence_cross_entropy(z, y) == pytest.approx(expected, rel=1e-12)
    g = text.sequence_cross_entropy_grad(z, y)
    assert g.shape == z.shape
    np.testing.assert_allclose(g.sum(axis=2), 0.0, atol=1e-15)


def test_uniform_logits_cost_log_v():
    z = np.zeros((2, 7, 11))
    y = rng().integers(0, 11, size=(2, 7))
    assert text.sequence_cross_entropy(z, y) == pytest.approx(np.log(11), rel=1e-12)


def test_sequence_loss_gradient_matches_central_differences():
    r = rng(2)
    check_loss(text.SequenceCrossEntropyLoss(), r.normal(size=(2, 3, 4)),
               r.integers(0, 4, size=(2, 3)))


def test_sequence_loss_rejects_bad_shapes():
    with pytest.raises(ValueError, match="3-D"):
        text.sequence_cross_entropy(np.zeros((4, 5)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        text.sequence_cross_entropy(np.zeros((2, 3, 4)), np.zeros((3, 2), dtype=int))
    with pytest.raises(TypeError, match="integer"):
        text.sequence_cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 3)))


# ------------------------------------------------------------------ sampling


def test_sample_categorical_matches_softmax_frequencies():
    z = np.log(np.array([[0.1, 0.2, 0.7]]))
    draws = text.sample_categorical(np.repeat(z, 40_000, axis=0), rng=rng(3))
    freq = np.bincount(draws, minlength=3) / draws.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.01)


def test_temperature_sharpens_and_flattens():
    z = np.repeat(np.log(np.array([[0.1, 0.2, 0.7]])), 40_000, axis=0)
    cold = np.bincount(text.sample_categorical(z, rng=rng(4), temperature=0.05), minlength=3)
    assert cold[2] == 40_000  # p ∝ p^(1/τ): essentially argmax
    hot = np.bincount(text.sample_categorical(z, rng=rng(5), temperature=100.0), minlength=3)
    np.testing.assert_allclose(hot / 40_000, 1 / 3, atol=0.015)


def test_sample_categorical_never_draws_zero_probability_classes():
    z = np.array([[0.0, -np.inf, 0.0, -np.inf]] * 5000)
    draws = text.sample_categorical(z, rng=rng(6))
    assert set(np.unique(draws)) == {0, 2}


def test_sample_categorical_rejects_bad_arguments():
    with pytest.raises(ValueError, match="temperature"):
        text.sample_categorical(np.zeros((1, 3)), rng=rng(), temperature=0.0)
    with pytest.raises(TypeError, match="Generator"):
        text.sample_categorical(np.zeros((1, 3)), rng=0)
    with pytest.raises(ValueError, match="2-D"):
        text.sample_categorical(np.zeros(3), rng=rng())


def _tiny_model(v=6, e=3, h=5, seed=7):
    r = rng(seed)
    return nn.Embedding(v, e, rng=r), nn.RNN(e, h, rng=r), nn.Dense(h, v, rng=r)


def test_generate_is_reproducible_and_carries_the_state():
    emb, rnn, head = _tiny_model()
    prompt = np.array([1, 2, 3])
    a = text.generate(emb, rnn, head, prompt, 12, rng=rng(8))
    b = text.generate(emb, rnn, head, prompt, 12, rng=rng(8))
    assert a.shape == (12,) and np.array_equal(a, b)
    assert a.min() >= 0 and a.max() < 6
    # Stepping one character at a time must give the states of one pass over the whole
    # text: replay prompt + samples in one forward pass and draw again with the same
    # generator (one uniform per step in both cases), and the draws must coincide.
    full = np.concatenate([prompt, a[:-1]])
    logits = head(rnn(emb(full[None]))[0, len(prompt) - 1 :])
    r = rng(8)
    replay = [text.sample_categorical(logits[i : i + 1], rng=r)[0] for i in range(len(a))]
    assert np.array_equal(replay, a)


def test_generate_batch_of_prompts():
    emb, rnn, head = _tiny_model()
    out = text.generate(emb, rnn, head, np.array([[0, 1], [2, 3]]), 5, rng=rng(9),
                        temperature=0.5)
    assert out.shape == (2, 5) and out.dtype == np.int64


def test_generate_rejects_bad_arguments():
    emb, rnn, head = _tiny_model()
    with pytest.raises(TypeError, match="Embedding"):
        text.generate(head, rnn, head, np.array([0]), 3, rng=rng())
    with pytest.raises(ValueError, match="prompt"):
        text.generate(emb, rnn, head, np.zeros((1, 0), dtype=int), 3, rng=rng())
    with pytest.raises(ValueError, match="length"):
        text.generate(emb, rnn, head, np.array([0]), 0, rng=rng())


def test_sequence_loss_matches_dlbook_cross_entropy_and_checks_labels():
    r = rng(10)
    z = r.normal(size=(4, 5, 6)) * 3
    y = r.integers(0, 6, size=(4, 5))
    zf, yf = z.reshape(-1, 6), y.reshape(-1)
    assert text.sequence_cross_entropy(z, y) == pytest.approx(F.cross_entropy(zf, yf), rel=1e-12)
    np.testing.assert_allclose(text.sequence_cross_entropy_grad(z, y).reshape(-1, 6),
                               F.cross_entropy_grad(zf, yf), rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match=r"\[0, 6\)"):
        text.sequence_cross_entropy(z, np.full((4, 5), 6))
