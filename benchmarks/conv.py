"""Speed of Conv2d forward+backward against the matmul ceiling of an im2col design.

    python benchmarks/conv.py               # both shapes, float32 and float64
    python benchmarks/conv.py --repeats 15
    OPENBLAS_NUM_THREADS=2 python benchmarks/conv.py   # let BLAS use 2 threads

FLOPs: forward 2·N·F·C·KH·KW·OH·OW; backward twice that (weight and input gradients),
so forward+backward is 3× the forward. The ceiling is a plain NumPy matmul of the
im2col shape, (N·OH·OW, C·KH·KW) @ (C·KH·KW, F) or its transpose (F, C·KH·KW) @
(C·KH·KW, N·OH·OW), whichever is faster (OpenBLAS is not symmetric in them), timed
alone and counted 3 times: an im2col convolution does those matmuls plus unfolding
and folding, so it can approach the ceiling but not beat it.

Times are medians over ``--repeats`` rounds; in each round the convolution and the
matmuls run back to back, so a machine shared with other jobs slows all of them alike.
BLAS runs on one thread unless OPENBLAS_NUM_THREADS/OMP_NUM_THREADS say otherwise,
as in the book's notebooks: the convolution's own folding code is single-threaded,
and on a busy 2-core machine a 2-thread BLAS mostly measures the scheduler.
"""

from __future__ import annotations

import os

# OpenBLAS reads its thread count once, when NumPy is first imported.
if not any(v in os.environ for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from dlbook import nn  # noqa: E402

# (N, C, H, W, F, k, padding)
SHAPES = [(64, 1, 8, 8, 16, 3, "same"), (64, 16, 28, 28, 32, 3, 1)]


def median_times(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median wall-clock seconds (time.perf_counter) of each ``fn()``, run round-robin."""
    for fn in fns.values():
        fn()  # warm-up: first-touch allocations, BLAS thread start
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def bench(shape: tuple, dtype: type, repeats: int) -> dict[str, float]:
    """Time Conv2d forward+backward and the matching im2col-shaped matmuls."""
    n, c, h, w, f, k, padding = shape
    rng = np.random.default_rng(0)
    layer = nn.Conv2d(c, f, k, rng=rng, padding=padding, dtype=dtype)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    y = layer(x)
    g = rng.standard_normal(y.shape).astype(dtype)

    def step() -> None:
        layer.forward(x)
        layer.backward(g)

    rows, inner = n * y.shape[2] * y.shape[3], c * k * k
    cols = rng.standard_normal((rows, inner)).astype(dtype)
    weights = rng.standard_normal((inner, f)).astype(dtype)
    cols_t, weights_t = np.ascontiguousarray(cols.T), np.ascontiguousarray(weights.T)
    t = median_times({"conv": step, "mm": lambda: cols @ weights,
                      "mm_t": lambda: weights_t @ cols_t}, repeats)
    flops = 3 * 2 * rows * inner * f
    ceiling = 3 * min(t["mm"], t["mm_t"])
    return {"ms": 1e3 * t["conv"], "gflops": flops / t["conv"] / 1e9,
            "mm": flops / (3 * t["mm"]) / 1e9, "mm_t": flops / (3 * t["mm_t"]) / 1e9,
            "ratio": ceiling / t["conv"]}


def main(argv: list[str] | None = None) -> None:
    """Print one row per (shape, dtype)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=9, help="timed rounds per measurement")
    args = p.parse_args(argv)
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    print(f"Conv2d forward+backward vs im2col matmul ceiling; BLAS threads: {threads}; "
          f"median of {args.repeats}")
    header = (f"{'N,C,H,W -> F, k, padding':<28} {'dtype':<8} {'fwd+bwd ms':>10} "
              f"{'GFLOP/s':>8} {'(P,K)@(K,F)':>12} {'(F,K)@(K,P)':>12} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for shape in SHAPES:
        n, c, h, w, f, k, padding = shape
        label = f"{n},{c},{h},{w} -> {f}, {k}x{k}, {padding}"
        for dtype in (np.float32, np.float64):
            r = bench(shape, dtype, args.repeats)
            print(f"{label:<28} {np.dtype(dtype).name:<8} {r['ms']:>10.2f} {r['gflops']:>8.1f} "
                  f"{r['mm']:>12.1f} {r['mm_t']:>12.1f} {r['ratio']:>6.0%}")
    print("GFLOP/s columns: the convolution, then the two matmul orientations (P = N·OH·OW, "
          "K = C·KH·KW);\nratio = time of 3 matmuls at the faster orientation / time of "
          "forward+backward.")


if __name__ == "__main__":
    main()
