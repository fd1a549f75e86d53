"""Tests for dlbook.data: shapes, dtypes, determinism, splits, scaling, batching, errors."""

import numpy as np
import pytest

from dlbook import data


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


CLASSIFIERS = {
    "moons": lambda n, r: data.make_moons(n, 0.1, rng=r),
    "spirals2": lambda n, r: data.make_spirals(n, 2, rng=r),
    "spirals3": lambda n, r: data.make_spirals(n, n_classes=3, noise=0.1, rng=r),
    "xor": lambda n, r: data.make_xor(n, 0.2, rng=r),
}


# ------------------------------------------------------------------ generators


@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_classification_shapes_and_dtypes(name):
    X, y = CLASSIFIERS[name](101, rng())
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_generators_are_deterministic_per_seed(name):
    X1, y1 = CLASSIFIERS[name](60, rng(1))
    X2, y2 = CLASSIFIERS[name](60, rng(1))
    X3, _ = CLASSIFIERS[name](60, rng(2))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize(
    "name, n, expected",
    [
        ("moons", 101, {0: 51, 1: 50}),
        ("spirals2", 100, {0: 50, 1: 50}),
        ("spirals3", 100, {0: 34, 1: 33, 2: 33}),
        ("xor", 100, {0: 50, 1: 50}),
    ],
)
def test_class_balance(name, n, expected):
    _, y = CLASSIFIERS[name](n, rng())
    labels, counts = np.unique(y, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == expected


def test_generators_shuffle_the_classes():
    # Generators build class by class; the first 20 rows must not be a single class.
    for make in CLASSIFIERS.values():
        _, y = make(200, rng())
        assert len(np.unique(y[:20])) > 1


def test_moons_without_noise_lie_on_the_two_circles():
    X, y = data.make_moons(200, 0.0, rng=rng())
    r0 = np.hypot(X[y == 0, 0], X[y == 0, 1])
    r1 = np.hypot(X[y == 1, 0] - 1.0, X[y == 1, 1] - 0.5)
    np.testing.assert_allclose(r0, 1.0)
    np.testing.assert_allclose(r1, 1.0)
    assert X[y == 0, 1].min() >= -1e-12  # upper half circle
    assert X[y == 1, 1].max() <= 0.5 + 1e-12  # lower half circle


def test_spirals_without_noise_are_interleaved_arms():
    X, y = data.make_spirals(300, 3, noise=0.0, rng=rng())
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() == pytest.approx(1.0)
    assert r.min() == pytest.approx(0.0)
    # Angle of the arm at radius r: 3 pi r + 2 pi k / K (mod 2 pi).
    expected = np.mod(3 * np.pi * r + 2 * np.pi * y / 3, 2 * np.pi)
    actual = np.mod(np.arctan2(X[:, 1], X[:, 0]), 2 * np.pi)
    diff = np.abs(np.angle(np.exp(1j * (expected - actual))))
    assert np.all(diff[r > 1e-9] < 1e-9)


def test_xor_labels_follow_the_blob_signs():
    X, y = data.make_xor(400, 0.1, rng=rng())
    # With small noise every point stays in its quadrant, so signs give the label.
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    quadrant_means = [
        X[(np.sign(X[:, 0]) == a) & (np.sign(X[:, 1]) == b)].mean(0)
        for a in (-1, 1)
        for b in (-1, 1)
    ]
    np.testing.assert_allclose(np.abs(quadrant_means), 1.0, atol=0.05)


def test_make_sine():
    X, y = data.make_sine(500, 0.0, rng=rng(), x_range=(0.0, 2.0), freq=3.0)
    assert X.shape == (500, 1) and X.dtype == np.float64
    assert y.shape == (500,) and y.dtype == np.float64
    assert X.min() >= 0.0 and X.max() <= 2.0
    np.testing.assert_allclose(y, np.sin(3.0 * X[:, 0]))
    Xn, yn = data.make_sine(2000, 0.5, rng=rng())
    assert np.std(yn - np.sin(Xn[:, 0])) == pytest.approx(0.5, rel=0.1)
    assert Xn.min() >= -np.pi and Xn.max() <= np.pi


@pytest.mark.parametrize(
    "make",
    [
        lambda r: data.make_moons(10, 0.1, rng=r),
        lambda r: data.make_spirals(10, rng=r),
        lambda r: data.make_xor(10, rng=r),
        lambda r: data.make_sine(10, rng=r),
        lambda r: data.train_val_test_split(np.zeros((10, 2)), np.zeros(10), rng=r),
        lambda r: data.train_test_split(np.zeros((10, 2)), np.zeros(10), 0.2, rng=r),
        lambda r: data.minibatches(np.zeros((10, 2)), np.zeros(10), 2, rng=r),
    ],
)
@pytest.mark.parametrize("bad", [0, "seed", np.random.RandomState(0)])
def test_rng_must_be_a_generator(make, bad):
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator.*got"):
        make(bad)


def test_rng_none_is_refused_by_generators():
    # (minibatches is the exception: there rng=None means "do not shuffle".)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator.*got NoneType"):
        data.make_spirals(10, rng=None)


def test_rng_is_keyword_only_and_required():
    with pytest.raises(TypeError, match="rng"):
        data.make_moons(10, 0.1)
    with pytest.raises(TypeError):
        data.make_moons(10, 0.1, rng())  # positional rng is refused


# Wrong type -> TypeError, right type with a wrong value -> ValueError (dlbook._checks).
@pytest.mark.parametrize("n", [0, -3])
def test_bad_n_value(n):
    with pytest.raises(ValueError, match=r"n must be a positive int, got"):
        data.make_moons(n, 0.1, rng=rng())


@pytest.mark.parametrize("n", [2.5, True, "10"])
def test_bad_n_type(n):
    with pytest.raises(TypeError, match=r"n must be an int, got"):
        data.make_moons(n, 0.1, rng=rng())


def test_bad_n_message_names_value():
    with pytest.raises(ValueError, match=r"n must be a positive int, got -3"):
        data.make_xor(-3, rng=rng())


@pytest.mark.parametrize(
    "noise, message",
    [(-0.1, r"noise must be >= 0, got -0.1"), (float("nan"), r"noise must be finite, got nan"),
     (float("inf"), r"noise must be finite, got inf")],
)
def test_bad_noise(noise, message):
    with pytest.raises(ValueError, match=message):
        data.make_moons(10, noise, rng=rng())
    with pytest.raises(TypeError, match=r"noise must be a real number, got str"):
        data.make_moons(10, "a", rng=rng())


def test_spirals_errors():
    with pytest.raises(ValueError, match=r"n_classes must be <= n .*n_classes=3, n=2"):
        data.make_spirals(2, 3, rng=rng())
    with pytest.raises(ValueError, match=r"n_classes must be an int >= 2, got 1"):
        data.make_spirals(10, 1, rng=rng())


def test_sine_errors():
    with pytest.raises(ValueError, match=r"x_range\[0\] < x_range\[1\], got x_range\[0\]=1.0"):
        data.make_sine(10, rng=rng(), x_range=(1.0, 0.0))
    with pytest.raises(ValueError, match=r"x_range must be a pair .*got \(0.0, 1.0, 2.0\)"):
        data.make_sine(10, rng=rng(), x_range=(0.0, 1.0, 2.0))
    with pytest.raises(ValueError, match=r"x_range\[1\] must be finite, got inf"):
        data.make_sine(10, rng=rng(), x_range=(0.0, np.inf))
    with pytest.raises(ValueError, match=r"freq must be finite, got inf"):
        data.make_sine(10, rng=rng(), freq=float("inf"))


# --------------------------------------------------------------------- digits


def test_load_digits_flat():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y).tolist()) == set(range(10))
    # Pixels are counts 0..16, so x * 16 must be integers.
    np.testing.assert_array_equal(X * 16, np.round(X * 16))


def test_load_digits_images_match_flat():
    X, y = data.load_digits()
    imgs, y2 = data.load_digits(return_images=True)
    assert imgs.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(imgs.reshape(1797, 64), X)
    np.testing.assert_array_equal(y, y2)


# --------------------------------------------------------------------- splits


def _xy(n=100):
    X = np.arange(n * 3, dtype=float).reshape(n, 3)
    y = np.arange(n)  # y[i] == i lets us check that rows stay paired
    return X, y


def test_train_val_test_split_sizes_pairing_and_partition():
    X, y = _xy(100)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = data.train_val_test_split(X, y, rng=rng())
    assert (len(Xtr), len(Xva), len(Xte)) == (60, 20, 20)
    for Xs, ys in [(Xtr, ytr), (Xva, yva), (Xte, yte)]:
        np.testing.assert_array_equal(Xs, X[ys])  # rows move together with labels
    all_idx = np.concatenate([ytr, yva, yte])
    np.testing.assert_array_equal(np.sort(all_idx), np.arange(100))  # a partition
    assert not np.array_equal(ytr, np.arange(60))  # permuted, not a head slice


def test_split_sizes_sum_to_n_with_rounding():
    X, y = _xy(7)
    parts = data.train_val_test_split(X, y, (0.5, 0.25, 0.25), rng=rng())
    assert sum(len(p[0]) for p in parts) == 7
    assert all(len(p[0]) > 0 for p in parts)


def test_split_deterministic_per_seed():
    X, y = _xy(50)
    a = data.train_val_test_split(X, y, rng=rng(3))
    b = data.train_val_test_split(X, y, rng=rng(3))
    c = data.train_val_test_split(X, y, rng=rng(4))
    np.testing.assert_array_equal(a[0][1], b[0][1])
    assert not np.array_equal(a[0][1], c[0][1])


def test_split_works_on_images():
    imgs, y = data.load_digits(return_images=True)
    (Xtr, ytr), _, _ = data.train_val_test_split(imgs[:100], y[:100], rng=rng())
    assert Xtr.shape == (60, 1, 8, 8) and ytr.shape == (60,)


def test_train_test_split():
    X, y = _xy(50)
    (Xtr, ytr), (Xte, yte) = data.train_test_split(X, y, 0.2, rng=rng())
    assert len(Xtr) == 40 and len(Xte) == 10
    np.testing.assert_array_equal(Xte, X[yte])
    np.testing.assert_array_equal(np.sort(np.concatenate([ytr, yte])), np.arange(50))


@pytest.mark.parametrize(
    "fractions, message",
    [
        ((0.5, 0.3, 0.3), r"fractions must sum to 1, got \(0.5, 0.3, 0.3\)"),
        ((0.8, 0.2), r"fractions must have 3 entries .*got \(0.8, 0.2\)"),
        ((1.0, 0.0, 0.0), r"fractions\[0\] must be in \[0, 1\), got 1.0"),
        ((0.7, -0.1, 0.4), r"fractions\[1\] must be in \[0, 1\), got -0.1"),
        ((0.5, 0.5, 0.0), r"leave an empty split \(sizes \[10, 10, 0\]\)"),
    ],
)
def test_split_bad_fractions(fractions, message):
    X, y = _xy(20)
    with pytest.raises(ValueError, match=message):
        data.train_val_test_split(X, y, fractions, rng=rng())


def test_split_errors():
    X, y = _xy(20)
    with pytest.raises(ValueError, match=r"same number of examples, got 20 and 19"):
        data.train_val_test_split(X, y[:-1], rng=rng())
    with pytest.raises(TypeError, match=r"fractions must be a sequence of 3 numbers, got float"):
        data.train_val_test_split(X, y, 0.5, rng=rng())
    with pytest.raises(ValueError, match=r"same number of examples, got 20 and 5"):
        data.train_test_split(X, y[:5], 0.2, rng=rng())
    with pytest.raises(ValueError, match=r"empty split"):
        data.train_val_test_split(X[:2], y[:2], rng=rng())
    with pytest.raises(ValueError, match=r"test_fraction must be in \[0, 1\), got 1.5"):
        data.train_test_split(X, y, 1.5, rng=rng())
    with pytest.raises(ValueError, match=r"empty split"):
        data.train_test_split(X[:2], y[:2], 0.1, rng=rng())


# ---------------------------------------------------------------- Standardizer


def test_standardizer_fitted_stats():
    r = rng()
    X = r.normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.5, 10.0], size=(200, 3))
    s = data.Standardizer().fit(X)
    np.testing.assert_allclose(s.mean_, X.mean(0))
    np.testing.assert_allclose(s.std_, X.std(0))
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(0), 1.0)


def test_standardizer_uses_train_stats_on_test():
    r = rng()
    X_tr = r.normal(0.0, 1.0, size=(100, 2))
    X_te = r.normal(10.0, 5.0, size=(50, 2))  # a shifted test set
    s = data.Standardizer().fit(X_tr)
    Z_te = s.transform(X_te)
    np.testing.assert_allclose(Z_te, (X_te - X_tr.mean(0)) / X_tr.std(0))
    assert np.all(Z_te.mean(0) > 5)  # test's own stats would have given mean 0


def test_standardizer_fit_transform_and_inverse_roundtrip():
    X = rng().uniform(-3, 7, size=(40, 5))
    s = data.Standardizer()
    Z = s.fit_transform(X)
    np.testing.assert_allclose(Z, data.Standardizer().fit(X).transform(X))
    np.testing.assert_allclose(s.inverse_transform(Z), X)


def test_standardizer_constant_feature_becomes_zero_not_nan():
    X = np.column_stack([np.arange(5.0), np.full(5, 0.1), np.zeros(5)])
    s = data.Standardizer().fit(X)
    np.testing.assert_array_equal(s.std_[1:], [1.0, 1.0])
    Z = s.transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(Z[:, 1:], 0.0, atol=1e-15)
    np.testing.assert_allclose(s.inverse_transform(Z), X)


def test_standardizer_on_1d_targets():
    y = np.array([1.0, 2.0, 3.0])
    s = data.Standardizer()
    np.testing.assert_allclose(s.fit_transform(y), [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    with pytest.raises(ValueError, match=r"X must have shape \(n,\) as in fit, got shape \(3, 1\)"):
        s.transform(y[:, None])


def test_standardizer_errors():
    s = data.Standardizer()
    with pytest.raises(RuntimeError, match=r"not fitted yet: call fit"):
        s.transform(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match=r"not fitted"):
        s.inverse_transform(np.zeros((2, 2)))
    s.fit(np.ones((4, 3)))
    with pytest.raises(
        ValueError, match=r"X must have shape \(n, 3\) as in fit, got shape \(4, 2\)"
    ):
        s.transform(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"X must not be empty, got shape \(0, 3\)"):
        data.Standardizer().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"X must be finite, got 1 NaN"):
        data.Standardizer().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match=r"X must have a floating dtype, got int64"):
        data.Standardizer().fit(np.arange(4))
    with pytest.raises(TypeError, match=r"Z must be a numpy.ndarray, got list"):
        s.inverse_transform([[1.0, 2.0, 3.0]])


# ----------------------------------------------------------------- minibatches


def test_minibatches_in_order_without_rng():
    X, y = _xy(10)
    batches = list(data.minibatches(X, y, 4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), np.arange(10))
    np.testing.assert_array_equal(batches[0][0], X[:4])


def test_minibatches_shuffled_cover_each_example_once():
    X, y = _xy(103)
    batches = list(data.minibatches(X, y, 10, rng=rng()))
    seen = np.concatenate([b[1] for b in batches])
    assert len(seen) == 103
    np.testing.assert_array_equal(np.sort(seen), np.arange(103))
    assert not np.array_equal(seen, np.arange(103))  # actually shuffled
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb, X[yb])


def test_minibatches_fresh_order_per_epoch_and_deterministic():
    X, y = _xy(50)
    r = rng(7)
    e1 = np.concatenate([b[1] for b in data.minibatches(X, y, 8, rng=r)])
    e2 = np.concatenate([b[1] for b in data.minibatches(X, y, 8, rng=r)])
    assert not np.array_equal(e1, e2)
    again = np.concatenate([b[1] for b in data.minibatches(X, y, 8, rng=rng(7))])
    np.testing.assert_array_equal(e1, again)


def test_minibatches_drop_last():
    X, y = _xy(10)
    batches = list(data.minibatches(X, y, 4, rng=rng(), drop_last=True))
    assert [len(b[1]) for b in batches] == [4, 4]
    exact = list(data.minibatches(X, y, 5, drop_last=True))
    assert [len(b[1]) for b in exact] == [5, 5]
    big = list(data.minibatches(X, y, 32))
    assert len(big) == 1 and len(big[0][1]) == 10


@pytest.mark.parametrize(
    "batch_size, error", [(0, ValueError), (-1, ValueError), (2.0, TypeError), (True, TypeError)]
)
def test_minibatches_bad_batch_size_fails_at_call(batch_size, error):
    X, y = _xy(10)
    with pytest.raises(error, match=r"batch_size must be (an int|a positive int)"):
        data.minibatches(X, y, batch_size)  # no next(): validation is eager


def test_minibatches_errors():
    X, y = _xy(10)
    with pytest.raises(ValueError, match=r"X and y must have the same number of examples, "
                                         r"got 10 and 9"):
        data.minibatches(X, y[:9], 2)  # at the call, not at the first batch
    with pytest.raises(ValueError, match=r"X must be finite, got 1 NaN"):
        data.minibatches(np.array([[np.nan], [1.0]]), y[:2], 2)
    with pytest.raises(ValueError, match=r"batch_size=32 > n=10 with drop_last=True"):
        data.minibatches(X, y, 32, drop_last=True)


# --------------------------------------------------------------------- one_hot


def test_one_hot():
    Y = data.one_hot(np.array([2, 0, 1, 2]), 4)
    assert Y.dtype == np.float64 and Y.shape == (4, 4)
    np.testing.assert_array_equal(Y, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(Y.argmax(1), [2, 0, 1, 2])
    assert data.one_hot(np.array([], dtype=int), 3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"y must hold indices in \[0, 3\), got min 0 and max 3"):
        data.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match=r"got min -1"):
        data.one_hot(np.array([-1, 1]), 3)
    with pytest.raises(TypeError, match=r"y must have an integer dtype, got float64"):
        data.one_hot(np.array([0.0, 1.0]), 2)
    with pytest.raises(ValueError, match=r"y must be 1-D, got shape \(2, 1\)"):
        data.one_hot(np.array([[0], [1]]), 2)
    with pytest.raises(ValueError, match=r"n_classes must be a positive int, got 0"):
        data.one_hot(np.array([0]), 0)
