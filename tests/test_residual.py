"""Residual (skip) connections: gradients, the identity path, bookkeeping and bad input."""

import numpy as np
import pytest

from dlbook import init, nn
from dlbook.gradcheck import check_module


def rng(seed=0):
    return np.random.default_rng(seed)


def test_forward_is_input_plus_inner_output():
    inner = nn.Sequential(nn.Dense(4, 4, rng=rng(1)), nn.Tanh())
    block = nn.Residual(inner)
    x = rng(2).standard_normal((3, 4))
    assert np.allclose(block(x), x + inner(x), rtol=0, atol=1e-15)


@pytest.mark.parametrize("inner", [
    lambda r: nn.Dense(5, 5, rng=r),
    lambda r: nn.Sequential(nn.Sigmoid(), nn.Dense(5, 5, rng=r)),
    lambda r: nn.Sequential(nn.Dense(5, 5, rng=r), nn.Tanh(), nn.Dense(5, 5, rng=r)),
    lambda r: nn.Sequential(nn.Dense(5, 5, rng=r, bias=False), nn.BatchNorm1d(5), nn.Tanh()),
], ids=["dense", "sigmoid-dense", "dense-tanh-dense", "dense-bn-tanh"])
def test_gradients(inner):
    r = rng(3)
    block = nn.Residual(inner(r))
    errors = check_module(block, r.standard_normal((6, 5)), rng=rng(4))
    assert set(errors) == {"input"} | {name for name, _ in block.named_parameters()}
    assert max(errors.values()) < 1e-7


def test_gradients_through_a_stack_of_blocks():
    r = rng(5)
    model = nn.Sequential(*[nn.Residual(nn.Sequential(nn.Tanh(), nn.Dense(4, 4, rng=r)))
                            for _ in range(5)])
    errors = check_module(model, r.standard_normal((3, 4)), rng=r)
    assert len(errors) == 1 + 2 * 5
    assert max(errors.values()) < 1e-7


def test_identity_path_when_inner_branch_is_zero():
    # f(x) = 0·x: the block is the identity and passes the gradient through unchanged.
    block = nn.Residual(nn.Dense(3, 3, rng=rng(), weight_init=init.zeros))
    x, g = rng(6).standard_normal((2, 3)), rng(7).standard_normal((2, 3))
    assert np.array_equal(block(x), x)
    assert np.array_equal(block.backward(g), g)


def test_parameters_train_eval_and_repr():
    inner = nn.Sequential(nn.Dense(3, 3, rng=rng()), nn.Dropout(0.5, rng=rng(1)))
    block = nn.Residual(inner)
    assert [name for name, _ in block.named_parameters()] == ["module.layers.0.W",
                                                              "module.layers.0.b"]
    assert block.num_parameters() == 3 * 3 + 3
    block.eval()
    assert not inner[1].training
    block.train()
    assert inner[1].training
    assert repr(block).startswith("Residual(\n  (module): Sequential(")


def test_shape_mismatch_is_a_clear_error():
    block = nn.Residual(nn.Dense(4, 3, rng=rng()))
    with pytest.raises(ValueError, match=r"preserves the shape.*\(2, 4\).*\(2, 3\)"):
        block(np.zeros((2, 4)))


def test_bad_arguments():
    with pytest.raises(TypeError, match="module must be a Module"):
        nn.Residual(lambda x: x)
    block = nn.Residual(nn.Tanh())
    with pytest.raises(RuntimeError, match="before forward"):
        block.backward(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="Residual input"):
        block(np.zeros((2, 2), dtype=np.int64))
    block(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"grad_out must have the output's shape \(2, 2\)"):
        block.backward(np.zeros((2, 3)))
