"""Autoencoder module, PCA helpers and corruption functions (dlbook.topics.autoencoder)."""

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module
from dlbook.topics.autoencoder import (
    Autoencoder,
    gaussian_noise,
    mask_noise,
    pca,
    pca_reconstruct,
    reconstruction_errors,
)


def small_autoencoder(rng, d=6, k=2, bias=True):
    return Autoencoder(
        nn.Sequential(nn.Dense(d, 4, rng=rng, bias=bias), nn.Tanh(), nn.Dense(4, k, rng=rng)),
        nn.Sequential(nn.Dense(k, 4, rng=rng), nn.Tanh(), nn.Dense(4, d, rng=rng),
                      nn.Sigmoid()),
    )


def correlated_data(rng, n=200, d=6):
    return rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + rng.standard_normal(d)


def test_forward_is_decoder_of_encoder_and_parameters_cover_both():
    rng = np.random.default_rng(0)
    ae = small_autoencoder(rng)
    x = rng.standard_normal((5, 6))
    z = ae.encode(x)
    assert z.shape == (5, 2)
    np.testing.assert_allclose(ae(x), ae.decode(z))
    expected = ae.encoder.num_parameters() + ae.decoder.num_parameters()
    assert ae.num_parameters() == expected == (6 * 4 + 4 + 4 * 2 + 2) + (2 * 4 + 4 + 4 * 6 + 6)
    assert {name.split(".")[0] for name, _ in ae.named_parameters()} == {"encoder", "decoder"}


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    errors = check_module(small_autoencoder(rng), rng.standard_normal((4, 6)), rng=rng)
    assert max(errors.values()) < 1e-7


def test_train_and_eval_reach_both_parts():
    ae = small_autoencoder(np.random.default_rng(2))
    ae.eval()
    assert not ae.encoder.training and not ae.decoder[3].training
    ae.train()
    assert ae.encoder[1].training and ae.decoder.training


def test_rejects_non_modules():
    with pytest.raises(TypeError, match="decoder must be a Module"):
        Autoencoder(nn.Dense(3, 2, rng=np.random.default_rng(0)), lambda z: z)


def test_pca_matches_the_covariance_eigendecomposition():
    rng = np.random.default_rng(3)
    X = correlated_data(rng)
    mean, V, var = pca(X, 3)
    np.testing.assert_allclose(mean, X.mean(axis=0))
    np.testing.assert_allclose(V @ V.T, np.eye(3), atol=1e-12)
    cov = np.cov(X, rowvar=False, bias=True)
    evals, evecs = np.linalg.eigh(cov)
    np.testing.assert_allclose(var, evals[::-1][:3], rtol=1e-10)
    # same subspace as the top eigenvectors: projectors agree
    top = evecs[:, ::-1][:, :3]
    np.testing.assert_allclose(V.T @ V, top @ top.T, atol=1e-10)
    assert np.all(np.diff(var) <= 0)


def test_pca_reconstruction_error_is_the_sum_of_discarded_variances():
    rng = np.random.default_rng(4)
    X = correlated_data(rng)
    _, _, all_var = pca(X, 6)
    for k in (1, 3, 6):
        mean, V, _ = pca(X, k)
        X_hat = pca_reconstruct(X, mean, V)
        assert np.mean((X_hat - X) ** 2) == pytest.approx(all_var[k:].sum() / 6, abs=1e-12)
        np.testing.assert_allclose(pca_reconstruct(X_hat, mean, V), X_hat, atol=1e-10)


def test_linear_autoencoder_at_the_pca_solution_is_a_critical_point():
    rng = np.random.default_rng(5)
    X = correlated_data(rng)
    X = X - X.mean(axis=0)
    _, V, _ = pca(X, 2)
    mix = rng.standard_normal((2, 2)) + 3 * np.eye(2)      # any invertible mixing
    enc, dec = nn.Dense(6, 2, rng=rng, bias=False), nn.Dense(2, 6, rng=rng, bias=False)
    enc.W.data[...] = V.T @ np.linalg.inv(mix)
    dec.W.data[...] = mix @ V
    ae, loss = Autoencoder(enc, dec), nn.MSELoss()
    ae.zero_grad()
    loss(ae(X), X)
    ae.backward(loss.backward())
    assert max(np.abs(p.grad).max() for p in ae.parameters()) < 1e-12


def test_pca_rejects_bad_k_and_shapes():
    X = np.zeros((5, 3))
    with pytest.raises(ValueError, match="k must be <= min"):
        pca(X, 4)
    with pytest.raises(TypeError, match="k must be an int"):
        pca(X, 2.0)
    with pytest.raises(ValueError, match=r"X and components must have the same number of "
                                         r"columns d, got X of shape \(5, 3\) and components "
                                         r"of shape \(2, 4\)"):
        pca_reconstruct(X, np.zeros(3), np.zeros((2, 4)))


def test_gaussian_noise_has_the_requested_scale():
    rng = np.random.default_rng(6)
    X = np.full((400, 50), 0.5)
    noisy = gaussian_noise(X, 0.3, rng=rng)
    assert noisy.shape == X.shape
    assert abs((noisy - X).std() - 0.3) < 0.01 and abs((noisy - X).mean()) < 0.01
    np.testing.assert_array_equal(gaussian_noise(X, 0.0, rng=rng), X)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        gaussian_noise(X, -0.1, rng=rng)
    with pytest.raises(TypeError, match="rng must be"):
        gaussian_noise(X, 0.1, rng=0)


def test_mask_noise_zeroes_a_fraction_p():
    rng = np.random.default_rng(7)
    X = np.ones((400, 50))
    masked = mask_noise(X, 0.25, rng=rng)
    assert set(np.unique(masked)) == {0.0, 1.0}
    assert abs(np.mean(masked == 0) - 0.25) < 0.01
    np.testing.assert_array_equal(mask_noise(X, 0.0, rng=rng), X)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        mask_noise(X, 1.0, rng=rng)


def test_reconstruction_errors_per_example_and_mode_restored():
    rng = np.random.default_rng(8)
    ae = small_autoencoder(rng)
    X = rng.random((7, 6))
    ae.train()
    err = reconstruction_errors(ae, X)
    assert err.shape == (7,) and ae.training
    np.testing.assert_allclose(err, np.mean((ae(X) - X) ** 2, axis=1))
    with pytest.raises(ValueError, match=r"model output must have shape \(7, 6\)"):
        reconstruction_errors(nn.Dense(6, 2, rng=rng), X)
