"""Chapter 21 (the Fourier transform in deep learning).
Fourier tools: FFT convolution, spectrograms and Fourier features.

The DFT follows NumPy's convention, X[f] = Σ_t x[t] exp(-2πi f t / N), f = 0..N-1.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import next_fast_len

from dlbook._checks import data, data_array, positive_int, shape, validate


@validate(x=data(ndim=1), k=data(ndim=1))
def direct_convolve(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Full linear convolution y[n] = Σ_m x[m] k[n-m], n = 0..len(x)+len(k)-2 (direct sum)."""
    return np.convolve(x, k, mode="full")


@validate(x=data(ndim=1), k=data(ndim=1))
def fft_convolve(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Linear convolution y = IDFT(DFT(x̃)·DFT(k̃)), x̃, k̃ zero-padded to L ≥ len(x)+len(k)-1."""
    n_out = x.size + k.size - 1
    n_fft = next_fast_len(n_out, real=True)
    spectrum = np.fft.rfft(x, n_fft) * np.fft.rfft(k, n_fft)
    return np.fft.irfft(spectrum, n_fft)[:n_out]


def spectrogram(signal: np.ndarray, window: int, hop: int) -> np.ndarray:
    """S[t, f] = |Σ_n w[n] x[t·hop + n] e^{-2πi f n/W}|, Hann w, f = 0..W//2: (frames, W//2+1)."""
    _check_spectrogram_args(signal, window, hop)
    frames = np.lib.stride_tricks.sliding_window_view(signal, window)[::hop]
    return np.abs(np.fft.rfft(frames * np.hanning(window), axis=-1))


def _check_spectrogram_args(signal: np.ndarray, window: int, hop: int) -> None:
    data_array(signal, "signal", ndim=1)
    positive_int(hop, "hop")
    if positive_int(window, "window") > signal.size:
        raise ValueError(f"window must be <= len(signal) = {signal.size}, got {window}")


def fourier_features(x: np.ndarray, B: np.ndarray) -> np.ndarray:
    """γ(x) = [cos(2π x B), sin(2π x B)]: (N, d) inputs, (d, m) frequencies → (N, 2m)."""
    _check_fourier_features_args(x, B)
    angles = 2 * np.pi * (x @ B)
    return np.concatenate([np.cos(angles), np.sin(angles)], axis=1)


def _check_fourier_features_args(x: np.ndarray, B: np.ndarray) -> None:
    """x is (N, d) and B is (d, m), both finite."""
    data_array(x, "x", ndim=2)
    shape(data_array(B, "B", ndim=2), "B", (x.shape[1], None))
