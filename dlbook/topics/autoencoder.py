"""Chapter 24 (autoencoders).
Autoencoders: an encoder-decoder module, PCA (the linear optimum), corruption for denoising."""

from __future__ import annotations

import numpy as np

from dlbook._checks import (
    data,
    data_array,
    generator,
    in_unit_interval,
    instance,
    non_negative,
    positive_int,
    shape,
    validate,
)
from dlbook.nn import Module


class Autoencoder(Module):
    """x̂ = g(f(x)): the encoder f maps x to a code z, the decoder g maps z back to x̂."""

    @validate(encoder=instance(Module), decoder=instance(Module))
    def __init__(self, encoder: Module, decoder: Module) -> None:
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, x: np.ndarray) -> np.ndarray:
        """z = f(x)."""
        return self.encoder(x)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """x̂ = g(z)."""
        return self.decoder(z)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x̂ = g(f(x))."""
        return self.decoder(self.encoder(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Chain rule through the decoder, then the encoder: ∂L/∂x = J_fᵀ J_gᵀ ∂L/∂x̂."""
        return self.encoder.backward(self.decoder.backward(grad_out))

    def __repr__(self) -> str:
        return f"Autoencoder(\n  encoder={self.encoder!r},\n  decoder={self.decoder!r}\n)"


def pca(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean x̄, top-k principal axes (rows of Vᵀ in X - x̄ = U Σ Vᵀ) and their variances σ²/n."""
    _check_pca_args(X, k)
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt[:k], s[:k] ** 2 / len(X)


def _check_pca_args(X: np.ndarray, k: int) -> None:
    data_array(X, "X", ndim=2)
    positive_int(k, "k")
    if k > min(X.shape):
        raise ValueError(f"k must be <= min(n, d) = {min(X.shape)} for X of shape {X.shape}, "
                         f"got {k}")


def pca_reconstruct(X: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """x̂ = x̄ + (x - x̄) V Vᵀ: orthogonal projection onto the principal subspace through x̄."""
    _check_reconstruct_args(X, mean, components)
    return mean + (X - mean) @ components.T @ components


def _check_reconstruct_args(X: np.ndarray, mean: np.ndarray, components: np.ndarray) -> None:
    """X is (n, d), mean (d,) and components (k, d), all finite."""
    d = data_array(X, "X", ndim=2).shape[1]
    if data_array(components, "components", ndim=2).shape[1] != d:
        raise ValueError(f"X and components must have the same number of columns d, got X "
                         f"of shape {X.shape} and components of shape {components.shape}")
    shape(data_array(mean, "mean", ndim=1), "mean", (d,))


@validate(X=data(), sigma=non_negative, rng=generator)
def gaussian_noise(X: np.ndarray, sigma: float, *, rng: np.random.Generator) -> np.ndarray:
    """x̃ = x + σ ε with ε ~ N(0, I): additive corruption for a denoising autoencoder."""
    return X + sigma * rng.standard_normal(X.shape)


@validate(X=data(), p=in_unit_interval, rng=generator)
def mask_noise(X: np.ndarray, p: float, *, rng: np.random.Generator) -> np.ndarray:
    """x̃ = x ⊙ m with m_i ~ Bernoulli(1 - p): each entry set to 0 with probability p."""
    return X * (rng.random(X.shape) >= p)


@validate(model=instance(Module), X=data(ndim=2))
def reconstruction_errors(model: Module, X: np.ndarray) -> np.ndarray:
    """Per-example error e_n = mean_j (x̂_nj - x_nj)², in evaluation mode (mode restored)."""
    was_training = model.training
    model.eval()
    try:
        X_hat = model(X)
    finally:
        model.train(was_training)
    shape(X_hat, "model output", X.shape)  # a reconstruction has the input's shape
    return np.mean((X_hat - X) ** 2, axis=1)
