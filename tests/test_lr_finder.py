"""The learning-rate range test and the sharpness (top Hessian eigenvalue) estimate."""

import warnings

import numpy as np
import pytest

from dlbook import nn, optim
from dlbook.topics.lr_finder import RangeTestResult, lr_range_test, sharpness


def regression(n=64, d=3, seed=0):
    """A linear model y = x W + b with MSE: a quadratic loss with Hessian (2/N) X̃ᵀX̃."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.array([1.0, 2.0, 0.5])[:d]
    y = X @ rng.normal(size=(d, 1)) + 0.1 * rng.normal(size=(n, 1))
    model = nn.Dense(d, 1, rng=rng)
    Xt = np.column_stack([X, np.ones(n)])
    lam_max = np.linalg.eigvalsh(2.0 * Xt.T @ Xt / n).max()
    return rng, X, y, model, lam_max


# ------------------------------------------------------------------- range test


def test_range_test_on_a_quadratic_turns_up_past_two_over_lambda_max():
    rng, X, y, model, lam = regression()
    lrs = np.geomspace(1e-4 / lam, 100 / lam, 120)
    res = lr_range_test(model, nn.MSELoss(), X, y, lrs, batch_size=len(X), rng=rng, beta=0.5)
    assert res.diverged  # stopped when the smoothed loss passed 4x its minimum
    i = int(np.argmin(res.smoothed))
    assert 0 < i < len(res.smoothed) - 1  # the minimum is interior
    # Below 2/λ_max every full-batch step is a descent step; the blow-up comes after it.
    stable = res.lrs < 2.0 / lam
    assert np.all(np.diff(res.losses[stable]) <= 1e-12)
    assert res.lrs[-1] > 2.0 / lam
    assert res.smoothed[-1] > 4.0 * res.smoothed.min()
    assert res.suggestion() == pytest.approx(res.lr_at_min / 10)
    assert res.suggestion(factor=2.0) == pytest.approx(res.lr_at_min / 2)


def test_range_test_uses_every_rate_and_cycles_through_epochs():
    rng, X, y, model, lam = regression()
    lrs = np.geomspace(1e-6, 1e-4, 50)  # 50 steps > 64 // 16 = 4 batches per epoch
    res = lr_range_test(model, nn.MSELoss(), X, y, lrs, batch_size=16, rng=rng)
    assert not res.diverged
    assert isinstance(res, RangeTestResult)
    np.testing.assert_array_equal(res.lrs, lrs)
    assert res.losses.shape == res.smoothed.shape == (50,)


def test_smoothed_loss_is_the_bias_corrected_moving_average():
    rng, X, y, model, lam = regression()
    beta = 0.8
    res = lr_range_test(model, nn.MSELoss(), X, y, np.geomspace(1e-4, 1e-2, 30),
                        batch_size=8, rng=rng, beta=beta, stop_factor=None)
    avg, expected = 0.0, []
    for t, loss in enumerate(res.losses):
        avg = beta * avg + (1 - beta) * loss
        expected.append(avg / (1 - beta ** (t + 1)))
    np.testing.assert_allclose(res.smoothed, expected, rtol=1e-12)
    assert res.smoothed[0] == pytest.approx(res.losses[0])  # bias correction at t = 0


def test_parameters_are_restored_unless_asked_not_to():
    rng, X, y, model, lam = regression()
    before = [p.data.copy() for p in model.parameters()]
    lr_range_test(model, nn.MSELoss(), X, y, np.geomspace(1e-3, 1e-1, 20), batch_size=8,
                  rng=rng)
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, b)
        assert np.all(p.grad == 0)
    lr_range_test(model, nn.MSELoss(), X, y, np.geomspace(1e-3, 1e-1, 20), batch_size=8,
                  rng=rng, restore=False)
    assert not np.array_equal(model.W.data, before[0])


def test_range_test_is_deterministic_given_the_seed():
    runs = []
    for _ in range(2):
        _, X, y, model, lam = regression()
        runs.append(lr_range_test(model, nn.MSELoss(), X, y, np.geomspace(1e-4, 1.0, 40),
                                  batch_size=8, rng=np.random.default_rng(5)))
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)


def test_a_non_finite_loss_stops_the_test_quietly_and_is_not_recorded():
    rng, X, y, _, _ = regression()
    model = nn.Sequential(nn.Dense(3, 8, rng=rng), nn.ReLU(), nn.Dense(8, 1, rng=rng))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may escape
        res = lr_range_test(model, nn.MSELoss(), X, y, np.geomspace(1e-3, 1e12, 300),
                            batch_size=8, rng=rng, stop_factor=None)
    assert res.diverged
    assert len(res.losses) < 300
    assert np.all(np.isfinite(res.losses)) and np.all(np.isfinite(res.smoothed))


def test_a_given_optimizer_is_used_and_its_rate_overwritten():
    rng, X, y, model, lam = regression()
    opt = optim.Adam(model.parameters(), lr=123.0)
    lrs = np.geomspace(1e-4, 1e-2, 10)
    res = lr_range_test(model, nn.MSELoss(), X, y, lrs, batch_size=8, rng=rng, optimizer=opt)
    assert opt.lr == pytest.approx(lrs[-1])
    assert opt.steps == len(res.losses) == 10


def test_lr_at_min_of_an_empty_result_raises():
    empty = RangeTestResult(np.array([]), np.array([]), np.array([]), diverged=True)
    with pytest.raises(ValueError, match="no step"):
        empty.lr_at_min  # noqa: B018


@pytest.mark.parametrize("lrs, match", [
    (np.ones((2, 3)), "1-D"),
    (np.array([1e-3]), "at least 2"),
    (np.array([1e-3, -1.0]), "> 0"),
    (np.array([1e-3, np.nan]), "finite"),
    (np.array([1e-3, 1e-2, 1e-4]), "non-decreasing.*index 2"),
])
def test_bad_learning_rates_are_rejected(lrs, match):
    rng, X, y, model, lam = regression()
    with pytest.raises(ValueError, match=match):
        lr_range_test(model, nn.MSELoss(), X, y, lrs, batch_size=8, rng=rng)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 65}, ValueError, "batch_size must be <= len"),
    ({"beta": 1.0}, ValueError, "beta"),
    ({"stop_factor": 1.0}, ValueError, "stop_factor must be > 1"),
    ({"stop_factor": -2.0}, ValueError, "stop_factor"),
    ({"rng": 0}, TypeError, "rng"),
    ({"optimizer": "sgd"}, TypeError, "optimizer"),
])
def test_bad_arguments_are_rejected(kwargs, err, match):
    rng, X, y, model, lam = regression()
    args = {"batch_size": 8, "rng": rng} | kwargs
    with pytest.raises(err, match=match):
        lr_range_test(model, nn.MSELoss(), X, y, np.geomspace(1e-3, 1.0, 5), **args)


def test_bad_model_loss_or_data_are_rejected():
    rng, X, y, model, lam = regression()
    lrs = np.geomspace(1e-3, 1.0, 5)
    with pytest.raises(TypeError, match="model must be a Module"):
        lr_range_test(lambda x: x, nn.MSELoss(), X, y, lrs, batch_size=8, rng=rng)
    with pytest.raises(TypeError, match="loss_fn must be a Loss"):
        lr_range_test(model, lambda p, t: 0.0, X, y, lrs, batch_size=8, rng=rng)
    with pytest.raises(TypeError, match="floating dtype"):
        lr_range_test(model, nn.MSELoss(), X.astype(int), y, lrs, batch_size=8, rng=rng)
    with pytest.raises(ValueError, match="same number of examples"):
        lr_range_test(model, nn.MSELoss(), X, y[:-1], lrs, batch_size=8, rng=rng)
    with pytest.raises(ValueError, match="factor"):
        RangeTestResult(lrs, lrs, lrs, diverged=False).suggestion(factor=0)


# -------------------------------------------------------------------- sharpness


def test_sharpness_of_least_squares_is_the_top_eigenvalue_of_its_hessian():
    rng, X, y, model, lam = regression()
    est = sharpness(model, nn.MSELoss(), X, y, rng=rng, iters=60)
    assert est == pytest.approx(lam, rel=1e-6)


def test_sharpness_of_logistic_regression_matches_its_analytic_hessian():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 4)) * np.array([3.0, 1.0, 0.5, 0.2])
    y = (rng.random((100, 1)) < 0.5).astype(float)
    model = nn.Dense(4, 1, rng=rng)
    model.W.data[...] = rng.normal(size=(4, 1))
    p = 1.0 / (1.0 + np.exp(-(X @ model.W.data + model.b.data)))[:, 0]
    Xt = np.column_stack([X, np.ones(100)])
    H = Xt.T @ (Xt * (p * (1 - p))[:, None]) / 100  # (1/N) X̃ᵀ diag(p(1-p)) X̃
    est = sharpness(model, nn.BCEWithLogitsLoss(), X, y, rng=rng, iters=100)
    assert est == pytest.approx(np.linalg.eigvalsh(H).max(), rel=1e-5)


def test_sharpness_restores_parameters_gradients_and_mode():
    rng, X, y, _, _ = regression()
    model = nn.Sequential(nn.Dense(3, 8, rng=rng), nn.Tanh(), nn.Dense(8, 1, rng=rng))
    for p in model.parameters():
        p.grad[...] = 1.5
    before = [p.data.copy() for p in model.parameters()]
    assert sharpness(model, nn.MSELoss(), X, y, rng=rng, iters=5) > 0
    assert model.training
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, b)
        assert np.all(p.grad == 1.5)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"iters": 0}, ValueError, "iters"),
    ({"eps": 0.0}, ValueError, "eps"),
    ({"rng": None}, TypeError, "rng"),
])
def test_sharpness_rejects_bad_arguments(kwargs, err, match):
    rng, X, y, model, lam = regression()
    with pytest.raises(err, match=match):
        sharpness(model, nn.MSELoss(), X, y, **({"rng": rng} | kwargs))
    with pytest.raises(TypeError, match="model must be a Module"):
        sharpness("model", nn.MSELoss(), X, y, rng=rng)
    with pytest.raises(ValueError, match="same number of examples"):
        sharpness(model, nn.MSELoss(), X, y[:3], rng=rng)
