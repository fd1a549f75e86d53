"""Learning-rate schedules, gradient-norm clipping and k-fold cross-validation splits."""

import math

import numpy as np
import pytest

from dlbook import data, nn, optim


def sgd(lr=0.1):
    return optim.SGD([nn.Parameter(np.zeros(2), "w")], lr=lr)


def lrs(scheduler, steps):
    """The learning rate at t = 0, 1, ..., steps."""
    out = [scheduler.optimizer.lr]
    for _ in range(steps):
        scheduler.step()
        out.append(scheduler.optimizer.lr)
    return out


# ------------------------------------------------------------------------ schedules


def test_step_lr_matches_its_closed_form():
    sched = optim.StepLR(sgd(0.5), step_size=3, gamma=0.1)
    got = lrs(sched, 10)
    assert got == pytest.approx([0.5 * 0.1 ** (t // 3) for t in range(11)], rel=1e-15)
    assert got[2] == 0.5 and got[3] == pytest.approx(0.05) and got[9] == pytest.approx(5e-4)
    assert sched.get_lr() == got[-1] and sched.t == 10


def test_exponential_lr_matches_its_closed_form():
    got = lrs(optim.ExponentialLR(sgd(0.2), gamma=0.9), 8)
    assert got == pytest.approx([0.2 * 0.9**t for t in range(9)], rel=1e-15)


def test_cosine_annealing_matches_its_closed_form():
    lr0, eta_min, T = 0.1, 0.01, 10
    got = lrs(optim.CosineAnnealingLR(sgd(lr0), T_max=T, eta_min=eta_min), 2 * T)
    expected = [eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * t / T)) / 2
                for t in range(2 * T + 1)]
    assert got == pytest.approx(expected, rel=1e-14)
    assert got[0] == pytest.approx(lr0)
    assert got[T // 2] == pytest.approx((lr0 + eta_min) / 2)
    assert got[T] == pytest.approx(eta_min)
    assert got[2 * T] == pytest.approx(lr0)  # the closed form rises again after T_max
    assert lrs(optim.CosineAnnealingLR(sgd(1.0), T_max=4), 4)[-1] == pytest.approx(0.0, abs=1e-16)


def test_the_optimizer_uses_the_scheduled_rate():
    p = nn.Parameter(np.zeros(1), "w")
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):  # steps of 1, 0.5, 0.25 against a gradient of 1
        p.grad[...] = 1.0
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.data, [-1.75])
    assert sched.base_lr == 1.0 and opt.lr == 0.125


def test_schedules_reject_bad_arguments():
    with pytest.raises(TypeError, match="optimizer must be an? Optimizer, got float"):
        optim.StepLR(0.1, step_size=2)
    with pytest.raises(ValueError, match="step_size must be a positive int, got 0"):
        optim.StepLR(sgd(), step_size=0)
    with pytest.raises(TypeError, match="step_size must be an int, got float"):
        optim.StepLR(sgd(), step_size=2.0)
    with pytest.raises(ValueError, match="gamma must be > 0, got -0.5"):
        optim.StepLR(sgd(), step_size=2, gamma=-0.5)
    with pytest.raises(ValueError, match="gamma must be > 0, got 0"):
        optim.ExponentialLR(sgd(), gamma=0)
    with pytest.raises(ValueError, match="T_max must be a positive int, got 0"):
        optim.CosineAnnealingLR(sgd(), T_max=0)
    with pytest.raises(ValueError, match="eta_min must be >= 0, got -0.1"):
        optim.CosineAnnealingLR(sgd(), T_max=5, eta_min=-0.1)


# ------------------------------------------------------------------------- clipping


def params_with_grads(*grads):
    params = [nn.Parameter(np.zeros_like(g), f"p{i}") for i, g in enumerate(grads)]
    for p, g in zip(params, grads, strict=True):
        p.grad[...] = g
    return params


def test_clip_grad_norm_scales_the_global_norm_down_and_keeps_the_direction():
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0], [12.0, 0.0]])]  # global norm 13
    params = params_with_grads(*grads)
    assert optim.clip_grad_norm(params, max_norm=1.0) == pytest.approx(13.0, rel=1e-15)
    norm_after = np.sqrt(sum(np.sum(p.grad**2) for p in params))
    assert norm_after == pytest.approx(1.0, rel=1e-6)  # max_norm / (13 + 1e-6) * 13
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_allclose(p.grad, g / 13.0, rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = params_with_grads(np.array([0.3, -0.4]))
    assert optim.clip_grad_norm(params, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad, [0.3, -0.4])


def test_clip_grad_norm_takes_a_models_parameters():
    model = nn.Dense(3, 2, rng=np.random.default_rng(0))
    model(np.ones((4, 3)))
    model.backward(100.0 * np.ones((4, 2)))
    norm = optim.clip_grad_norm(model.parameters(), max_norm=2.0)
    assert norm > 2.0
    assert np.sqrt(sum(np.sum(p.grad**2) for p in model.parameters())) == pytest.approx(2.0)


def test_clip_grad_norm_rejects_bad_arguments():
    with pytest.raises(ValueError, match="clip_grad_norm got an empty parameter list"):
        optim.clip_grad_norm([], 1.0)
    with pytest.raises(TypeError, match=r"params\[0\] must be a Parameter, got ndarray"):
        optim.clip_grad_norm([np.zeros(2)], 1.0)
    with pytest.raises(ValueError, match="max_norm must be > 0, got 0"):
        optim.clip_grad_norm(params_with_grads(np.ones(2)), 0)
    with pytest.raises(ValueError, match="the gradient norm is inf"):
        optim.clip_grad_norm(params_with_grads(np.array([np.inf, 1.0])), 1.0)
    with pytest.raises(ValueError, match="the gradient norm is nan"):
        optim.clip_grad_norm(params_with_grads(np.array([np.nan, 1.0])), 1.0)


# --------------------------------------------------------------------------- k-fold


@pytest.mark.parametrize(("n", "k"), [(10, 3), (7, 7), (12, 4), (5, 2)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_folds_are_disjoint_covering_and_balanced(n, k, shuffle):
    splits = data.kfold(n, k, rng=np.random.default_rng(0) if shuffle else None)
    assert len(splits) == k
    vals = [val for _, val in splits]
    np.testing.assert_array_equal(np.sort(np.concatenate(vals)), np.arange(n))  # a partition
    sizes = [len(v) for v in vals]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == n
    for train, val in splits:
        assert np.intersect1d(train, val).size == 0
        np.testing.assert_array_equal(np.union1d(train, val), np.arange(n))
        assert train.dtype.kind == "i" and val.dtype.kind == "i"


def test_kfold_is_contiguous_without_rng_and_shuffled_reproducibly_with_it():
    plain = data.kfold(10, 3)
    assert [v.tolist() for _, v in plain] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    a = data.kfold(10, 3, rng=np.random.default_rng(1))
    b = data.kfold(10, 3, rng=np.random.default_rng(1))
    assert [v.tolist() for _, v in a] == [v.tolist() for _, v in b]
    assert [v.tolist() for _, v in a] != [v.tolist() for _, v in plain]


def test_kfold_rejects_bad_arguments():
    with pytest.raises(ValueError, match="k must be an int >= 2, got 1"):
        data.kfold(10, 1)
    with pytest.raises(ValueError, match="k must be <= n .*, got k=11, n=10"):
        data.kfold(10, 11)
    with pytest.raises(ValueError, match="n must be a positive int, got 0"):
        data.kfold(0, 2)
    with pytest.raises(TypeError, match="n must be an int, got float"):  # a type error now
        data.kfold(10.0, 2)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        data.kfold(10, 2, rng=0)
    assert "kfold" in data.__all__
