import numpy as np
import pytest

from dlbook.topics.fourier import direct_convolve, fft_convolve, fourier_features, spectrogram


@pytest.mark.parametrize("n, m", [(1, 1), (1, 7), (7, 1), (13, 5), (64, 64), (100, 37), (1000, 3)])
def test_fft_convolve_matches_numpy(n, m):
    rng = np.random.default_rng(n * 1000 + m)
    x, k = rng.normal(size=n), rng.normal(size=m)
    y = fft_convolve(x, k)
    assert y.shape == (n + m - 1,)
    np.testing.assert_allclose(y, np.convolve(x, k), atol=1e-10)
    np.testing.assert_allclose(direct_convolve(x, k), np.convolve(x, k))


def test_random_lengths():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n, m = rng.integers(1, 300, size=2)
        x, k = rng.normal(size=n), rng.normal(size=m)
        np.testing.assert_allclose(fft_convolve(x, k), direct_convolve(x, k), atol=1e-9)


def test_convolution_theorem():
    rng = np.random.default_rng(1)
    n = 32
    x, k = rng.normal(size=n), rng.normal(size=n)
    idx = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    circ = (x[None, :] * k[idx]).sum(axis=1)  # (x ⊛ k)[t] = Σ_m x[m] k[(t-m) mod n]
    np.testing.assert_allclose(np.fft.fft(circ), np.fft.fft(x) * np.fft.fft(k), atol=1e-9)


def test_spectrogram_peak_and_shape():
    fs, f0, window, hop = 1000, 125.0, 64, 16
    t = np.arange(2000) / fs
    s = spectrogram(np.sin(2 * np.pi * f0 * t), window, hop)
    assert s.shape == ((2000 - window) // hop + 1, window // 2 + 1)
    expected_bin = round(f0 * window / fs)
    assert np.all(s.argmax(axis=1) == expected_bin)


def test_fourier_features():
    rng = np.random.default_rng(2)
    x, B = rng.uniform(size=(10, 2)), rng.normal(size=(2, 5))
    g = fourier_features(x, B)
    assert g.shape == (10, 10)
    np.testing.assert_allclose(g[:, :5] ** 2 + g[:, 5:] ** 2, 1.0)
    with pytest.raises(ValueError, match=r"B must have shape \(2, \?\)"):
        fourier_features(x, rng.normal(size=(3, 5)))


def test_bad_inputs():
    x = np.ones(10)
    with pytest.raises(ValueError, match="x must be 1-D, got shape"):
        fft_convolve(np.ones((2, 3)), x)
    with pytest.raises(ValueError, match="k must not be empty"):
        fft_convolve(x, np.ones(0))
    with pytest.raises(ValueError, match="x must not be empty"):
        direct_convolve(np.ones(0), x)
    with pytest.raises(TypeError, match="floating dtype"):
        fft_convolve(np.arange(3), x)
    with pytest.raises(ValueError, match="hop must be a positive int, got 0"):
        spectrogram(x, 4, 0)
    with pytest.raises(ValueError, match="hop must be a positive int, got -2"):
        spectrogram(x, 4, -2)
    with pytest.raises(ValueError, match="window must be <= len"):
        spectrogram(x, 11, 1)
    with pytest.raises(ValueError, match="signal must be 1-D"):
        spectrogram(np.ones((4, 4)), 2, 1)
