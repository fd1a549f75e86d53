"""Optimisers: the first three steps on f(θ) = θ²/2 (so ∇f = θ), from θ₀ = 1, by hand."""

import numpy as np
import pytest

from dlbook import nn, optim


def run(make_optimizer, steps=3):
    p = nn.Parameter(np.array([1.0]), "theta")
    opt = make_optimizer([p])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        p.grad += p.data  # ∇(θ²/2) = θ
        opt.step()
        out.append(float(p.data[0]))
    return out


def test_sgd_plain():
    # θ ← θ - 0.1θ = 0.9θ
    assert run(lambda ps: optim.SGD(ps, lr=0.1)) == pytest.approx([0.9, 0.81, 0.729])


def test_sgd_momentum():
    # b₁ = 1, θ₁ = 0.9; b₂ = 0.9 + 0.9 = 1.8, θ₂ = 0.72; b₃ = 1.62 + 0.72 = 2.34, θ₃ = 0.486
    got = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9))
    assert got == pytest.approx([0.9, 0.72, 0.486])


def test_sgd_nesterov():
    # step uses g + μb: 1 + 0.9 = 1.9 → 0.81; b = 1.71, 0.81 + 1.539 → 0.5751;
    # b = 2.1141, 0.5751 + 1.90269 → 0.327321
    got = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True))
    assert got == pytest.approx([0.81, 0.5751, 0.327321])


def test_sgd_weight_decay():
    # g = θ + 0.5θ, so θ ← 0.85θ
    got = run(lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.5))
    assert got == pytest.approx([0.85, 0.7225, 0.614125])


def test_rmsprop():
    # v₁ = 0.1, θ₁ = 1 - 0.01/√0.1 = 0.968377...; then v₂ = 0.09 + 0.1·θ₁², and so on
    got = run(lambda ps: optim.RMSProp(ps, lr=0.01, alpha=0.9))
    assert got == pytest.approx([0.9683772244, 0.9457880262, 0.9270530997], rel=1e-9)


def test_adam_bias_correction_makes_the_first_step_lr():
    # m̂₁ = g, v̂₁ = g², so the first step is lr·g/|g| = 0.1 whatever the gradient's scale
    got = run(lambda ps: optim.Adam(ps, lr=0.1))
    # (ε = 1e-8 in the denominator makes it 0.9 + 1e-9)
    assert got == pytest.approx([0.900000001, 0.8004122297, 0.7015862745], rel=1e-9)


def test_adam_without_bias_correction_would_start_far_too_small():
    # the uncorrected first step would be lr·0.1g/(√0.001 g) ≈ 0.316·lr; ours is lr
    p = nn.Parameter(np.array([1.0]))
    opt = optim.Adam([p], lr=0.1)
    p.grad += 1.0
    opt.step()
    uncorrected = 0.1 * opt.m[0] / np.sqrt(opt.v[0])
    assert uncorrected[0] == pytest.approx(0.1 * 0.1 / np.sqrt(0.001))
    assert 1.0 - p.data[0] == pytest.approx(0.1)


def test_adamw_decouples_weight_decay():
    # AdamW shrinks θ by (1 - lr·λ) before an ordinary Adam step: 1·0.95 - 0.1
    p = nn.Parameter(np.array([1.0]))
    opt = optim.Adam([p], lr=0.1, weight_decay=0.5, decoupled=True)
    p.grad += 1.0
    opt.step()
    assert p.data[0] == pytest.approx(0.95 - 0.1)


def test_optimizer_zero_grad():
    p = nn.Parameter(np.ones(3))
    p.grad += 5.0
    optim.SGD([p], lr=0.1).zero_grad()
    assert not p.grad.any()


def test_optimizers_reject_bad_arguments():
    p = [nn.Parameter(np.ones(1))]
    with pytest.raises(ValueError, match="lr must be > 0, got -0.1"):
        optim.SGD(p, lr=-0.1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.5"):
        optim.SGD(p, lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\] must be a Parameter, got ndarray"):
        optim.Adam([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="betas must be a pair"):
        optim.Adam(p, betas=(0.9,))
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.0"):
        optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="weight_decay must be >= 0, got -1"):
        optim.RMSProp(p, weight_decay=-1)
    with pytest.raises(ValueError, match="lr must be finite, got nan"):
        optim.SGD(p, lr=float("nan"))


def test_optimizers_name_bad_params_flags_and_betas():
    p = nn.Parameter(np.ones(1))
    with pytest.raises(TypeError, match="SGD params must be an iterable of Parameters"):
        optim.SGD(p, lr=0.1)  # one Parameter, not a list of them
    with pytest.raises(TypeError, match="Adam params must be an iterable of Parameters"):
        optim.Adam(None)
    with pytest.raises(TypeError, match="nesterov must be a bool, got str"):
        optim.SGD([p], lr=0.1, momentum=0.9, nesterov="yes")
    with pytest.raises(TypeError, match="decoupled must be a bool, got int"):
        optim.Adam([p], decoupled=1)
    with pytest.raises(TypeError, match="betas must be a pair"):
        optim.Adam([p], betas=0.9)
    with pytest.raises(TypeError, match=r"betas\[0\] must be a real number, got str"):
        optim.Adam([p], betas=("0.9", 0.999))
    with pytest.raises(ValueError, match="eps must be > 0, got 0"):
        optim.Adam([p], eps=0)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\), got 1"):
        optim.RMSProp([p], alpha=1)
    # a generator of Parameters is read once, at construction
    opt = optim.SGD((q for q in [p]), lr=0.1)
    assert opt.params == [p]
