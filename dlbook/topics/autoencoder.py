"""Chapter 24 (autoencoders).
Autoencoders: an encoder-decoder module, PCA (the linear optimum), corruption for denoising."""

from __future__ import annotations

import numpy as np

from dlbook._checks import float_array, generator, in_unit_interval, non_negative, positive_int
from dlbook.nn import Module


class Autoencoder(Module):
    """x̂ = g(f(x)): the encoder f maps x to a code z, the decoder g maps z back to x̂."""

    def __init__(self, encoder: Module, decoder: Module) -> None:
        for name, part in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(part, Module):
                raise TypeError(f"{name} must be a Module, got {type(part).__name__}")
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
    X = float_array(X, "X", ndim=2)
    k = positive_int(k, "k")
    n, d = X.shape
    if k > min(n, d):
        raise ValueError(f"k must be <= min(n, d) = {min(n, d)} for X of shape {X.shape}, got {k}")
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt[:k], s[:k] ** 2 / n


def pca_reconstruct(X: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """x̂ = x̄ + (x - x̄) V Vᵀ: orthogonal projection onto the principal subspace through x̄."""
    X = float_array(X, "X", ndim=2)
    components = float_array(components, "components", ndim=2)
    mean = float_array(mean, "mean", ndim=1)
    d = X.shape[1]
    if components.shape[1] != d or mean.shape != (d,):
        raise ValueError(f"for X with {d} features, components must be (k, {d}) and mean "
                         f"({d},), got {components.shape} and {mean.shape}")
    return mean + (X - mean) @ components.T @ components


def gaussian_noise(X: np.ndarray, sigma: float, *, rng: np.random.Generator) -> np.ndarray:
    """x̃ = x + σ ε with ε ~ N(0, I): additive corruption for a denoising autoencoder."""
    X = float_array(X, "X")
    sigma = non_negative(sigma, "sigma")
    return X + sigma * generator(rng).standard_normal(X.shape)


def mask_noise(X: np.ndarray, p: float, *, rng: np.random.Generator) -> np.ndarray:
    """x̃ = x ⊙ m with m_i ~ Bernoulli(1 - p): each entry set to 0 with probability p."""
    X = float_array(X, "X")
    p = in_unit_interval(p, "p")
    return X * (generator(rng).random(X.shape) >= p)


def reconstruction_errors(model: Module, X: np.ndarray) -> np.ndarray:
    """Per-example error e_n = mean_j (x̂_nj - x_nj)², in evaluation mode (mode restored)."""
    X = float_array(X, "X", ndim=2)
    was_training = model.training
    model.eval()
    try:
        X_hat = model(X)
    finally:
        model.train(was_training)
    if X_hat.shape != X.shape:
        raise ValueError(f"model must reconstruct X's shape {X.shape}, got {X_hat.shape}")
    return np.mean((X_hat - X) ** 2, axis=1)
