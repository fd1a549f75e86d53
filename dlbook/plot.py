"""The book's figures: one house style and the plots the chapters share.

The only module of dlbook that imports matplotlib. Every function draws on the
Axes it is given (or a new one), labels its axes and returns it; none calls
``plt.show()`` or writes files, so notebooks and tests decide what happens next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from dlbook._checks import (
    at_least,
    boolean,
    bounds,
    data,
    data_array,
    float_array,
    floats,
    function,
    instance,
    labels,
    mapping_of,
    non_negative,
    optional,
    or_empty,
    positive,
    positive_int,
    real,
    same_length,
    sequence_of,
    shape,
    sizes,
    validate,
)

__all__ = [
    "PALETTE",
    "contour_path",
    "decision_boundary",
    "history",
    "image_grid",
    "network_diagram",
    "use_style",
]

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies and in
# greyscale print. Yellow is left out because it vanishes on white.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # green
    "#E69F00",  # orange
    "#CC79A7",  # purple
    "#56B4E9",  # sky blue
    "#000000",  # black
)

_STYLE: dict[str, Any] = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.6,
    "grid.alpha": 0.7,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the house style to matplotlib's rcParams (idempotent: sets fixed values)."""
    mpl.rcParams.update(_STYLE)


def _new_ax(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _class_colors(k: int) -> list:
    if k <= len(PALETTE):
        return list(PALETTE[:k])
    cmap = plt.get_cmap("tab20")
    return [cmap(i % cmap.N) for i in range(k)]


def _as_labels(out: np.ndarray, m: int) -> np.ndarray:
    """Turn predict's output on m grid points into m integer class labels."""
    out = np.asarray(out)
    if out.ndim == 0 or out.shape[0] != m or out.ndim > 2:
        raise ValueError(
            f"predict(grid) must return shape ({m},) or ({m}, K) for a grid of shape ({m}, 2), "
            f"got {out.shape}"
        )
    # A one-unit output layer gives (m, 1); argmax over one column would always say 0.
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.ndim == 2:
        return out.argmax(axis=1)
    if np.issubdtype(out.dtype, np.integer) or out.dtype == bool:
        return out.astype(np.int64)
    if np.issubdtype(out.dtype, np.floating):
        if np.all((out >= 0.0) & (out <= 1.0)):
            return (out >= 0.5).astype(np.int64)
        raise ValueError(
            "predict(grid) returned 1-D floats outside [0, 1] (min "
            f"{np.nanmin(out):.3g}, max {np.nanmax(out):.3g}); return probabilities "
            "(e.g. sigmoid of the logits), scores of shape (M, K) or integer labels"
        )
    raise TypeError(f"predict(grid) must return numbers, got dtype {out.dtype}")


def _check_points(X: np.ndarray, y: np.ndarray) -> None:
    shape(data_array(X, "X"), "X", (None, 2))
    labels(y, "y")
    same_length(X, y)


@validate(predict=function, resolution=at_least(2), padding=non_negative,
          title=optional(instance(str)))
def decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    resolution: int = 200,
    padding: float = 0.5,
    title: str | None = None,
) -> Axes:
    """Colour the plane by predict's class on a resolution x resolution grid; scatter (X, y)."""
    _check_points(X, y)
    ax = _new_ax(ax)
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    regions = _as_labels(predict(grid), len(grid)).reshape(xx.shape)

    k = int(max(y.max(initial=0), regions.max())) + 1
    colors = _class_colors(k)
    # Levels halfway between integers give each class exactly one colour band.
    ax.contourf(xx, yy, regions, levels=np.arange(k + 1) - 0.5, colors=colors, alpha=0.25)
    for c in np.unique(y):  # a loop over classes (not examples) to get one legend entry each
        pts = X[y == c]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=18,
            color=colors[c],
            edgecolors="white",
            linewidths=0.4,
            label=f"class {c}",
        )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best")
    if title is not None:
        ax.set_title(title)
    return ax


def _levels(value: Any, name: str) -> Any:
    """The rule for contour levels: a number of levels (int >= 1) or the level values."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return positive_int(value, name)
    return sequence_of(real)(value, name)


@validate(f=function, xlim=bounds, ylim=bounds, levels=_levels,
          labels=optional(sequence_of(instance(str))), log_levels=boolean,
          xlabel=instance(str), ylabel=instance(str))
def contour_path(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: np.ndarray | Sequence[np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax: Axes | None = None,
    levels: int | Sequence[float] = 30,
    labels: Sequence[str] | None = None,
    log_levels: bool = False,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
) -> Axes:
    """Contour lines of z = f(x1, x2) with optimisation paths; start = open circle, end = star."""
    paths = [paths] if isinstance(paths, np.ndarray) and paths.ndim == 2 else paths
    _check_paths(paths, labels)
    ax = _new_ax(ax)
    xx, yy = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    zz = np.asarray(f(xx, yy), dtype=np.float64)
    if zz.shape != xx.shape:
        raise ValueError(
            f"f(X, Y) must be vectorised and return shape {xx.shape} for meshgrid inputs, "
            f"got {zz.shape}"
        )
    norm = None
    if log_levels:
        positive = zz[zz > 0]
        if positive.size == 0:
            raise ValueError("log_levels=True needs f > 0 somewhere in xlim x ylim")
        if isinstance(levels, int):
            # Log spacing resolves the valley floor, where linear levels all bunch at the rim.
            levels = np.geomspace(positive.min(), positive.max(), levels)
        norm = LogNorm(vmin=positive.min(), vmax=positive.max())
    ax.contour(xx, yy, zz, levels=levels, cmap="viridis", norm=norm, linewidths=0.8)

    colors = _class_colors(len(paths))
    for i, p in enumerate(paths):
        label = labels[i] if labels is not None else None
        ax.plot(p[:, 0], p[:, 1], "-o", color=colors[i], ms=3, lw=1.5, label=label)
        ax.plot(p[0, 0], p[0, 1], "o", ms=9, mfc="white", mec=colors[i], mew=2)
        ax.plot(p[-1, 0], p[-1, 1], "*", ms=14, color=colors[i], mec="black", mew=0.6)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if labels is not None:
        # Proxy artists explain the markers without adding lines to the Axes.
        handles, names = ax.get_legend_handles_labels()
        handles += [
            Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec="grey", mew=2),
            Line2D([], [], ls="", marker="*", ms=12, color="grey", mec="black", mew=0.6),
        ]
        ax.legend(handles, [*names, "start", "end"], loc="best")
    return ax


def _check_paths(paths: Any, labels: Sequence[str] | None) -> None:
    _each(paths, "paths", _path)
    if labels is not None and len(labels) != len(paths):
        raise ValueError(f"labels must have one entry per path ({len(paths)}), got {len(labels)}")


def _path(p: Any, name: str) -> np.ndarray:
    return shape(float_array(p, name, nonempty=True), name, (None, 2))


def _each(items: Any, name: str, rule: Callable[[Any, str], Any]) -> None:
    # not _checks.sequence_of: its np.ndim(items) fails on arrays of different shapes
    if not isinstance(items, list | tuple):
        raise TypeError(f"{name} must be a list of arrays, got {type(items).__name__}")
    if not items:
        raise ValueError(f"{name} must hold at least one array, got none")
    for i, item in enumerate(items):
        rule(item, f"{name}[{i}]")


@validate(keys=optional(sequence_of(instance(str))), logy=boolean)
def history(
    hist: Mapping[str, Sequence[float]] | Any,
    ax: Axes | None = None,
    keys: Sequence[str] | None = None,
    logy: bool = False,
) -> Axes:
    """Plot each metric series against epoch 1, 2, ...; hist is a dict or has .metrics."""
    metrics = hist if isinstance(hist, Mapping) else getattr(hist, "metrics", None)
    _check_series(metrics, hist)
    if keys is None:
        # Skip empty series (e.g. val_loss when training ran without validation data).
        keys = [k for k, v in metrics.items() if len(v) > 0]
    else:
        missing = [k for k in keys if k not in metrics]
        if missing:
            raise ValueError(f"keys {missing} not in history; available: {list(metrics)}")
        empty = [k for k in keys if len(metrics[k]) == 0]
        if empty:
            raise ValueError(f"history series {empty} are empty")
    if not keys:
        raise ValueError(f"history has nothing to plot; keys: {list(metrics)}")

    ax = _new_ax(ax)
    for k in keys:
        values = np.asarray(metrics[k], dtype=np.float64)
        ax.plot(np.arange(1, len(values) + 1), values, label=k)
    ax.set_xlabel("epoch")
    ax.set_ylabel(keys[0] if len(keys) == 1 else "value")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    ax.legend(loc="best")
    return ax


def _check_series(metrics: Any, hist: Any) -> None:
    if not isinstance(metrics, Mapping):
        raise TypeError("hist must be a dict[str, list[float]] or have a .metrics dict, "
                        f"got {type(hist).__name__}")
    # a series may be empty (val_loss when training ran without validation data)
    mapping_of(or_empty(sequence_of()))(metrics, "hist")


def network_diagram(
    layer_sizes: Sequence[int],
    weights: Sequence[np.ndarray] | None = None,
    ax: Axes | None = None,
    node_labels: Sequence[Sequence[str] | None] | None = None,
) -> Axes:
    """Draw a feed-forward net; with weights, edge width ~ |w| and colour blue w > 0, red w < 0.

    weights[i] has shape (layer_sizes[i], layer_sizes[i + 1]), the layout of Dense.W
    (y = x @ W), so weights[i][a, b] is the edge from unit a of layer i to unit b of
    layer i + 1. Widths are scaled by the largest |w| over all layers, so layers compare.
    """
    units = list(sizes(layer_sizes, "layer_sizes", min_len=2))
    _check_diagram(units, weights, node_labels)
    weights = None if weights is None else [np.asarray(w, dtype=np.float64) for w in weights]

    ax = _new_ax(ax)
    # Units of layer i sit at x = i, centred on y = 0, one unit apart, unit 0 on top.
    ys = [(s - 1) / 2.0 - np.arange(s) for s in units]
    w_max = max((np.abs(w).max() for w in weights), default=0.0) if weights else 0.0
    for i in range(len(units) - 1):
        a, b = np.meshgrid(ys[i], ys[i + 1], indexing="ij")  # a[p, q]: edge p -> q
        segments = np.stack(
            [
                np.stack([np.full(a.size, i), a.ravel()], 1),
                np.stack([np.full(a.size, i + 1), b.ravel()], 1),
            ],
            axis=1,
        )
        if weights is None:
            lc = LineCollection(segments, colors="#9a9a9a", linewidths=0.8, zorder=1)
        else:
            w = weights[i].ravel()
            width = 0.2 + 3.0 * np.abs(w) / w_max if w_max > 0 else np.full(w.size, 0.2)
            colors = np.where(w >= 0, PALETTE[0], PALETTE[1])
            lc = LineCollection(segments, colors=colors, linewidths=width, alpha=0.8, zorder=1)
        ax.add_collection(lc)
    for i, y in enumerate(ys):
        ax.scatter(
            np.full(len(y), i), y, s=350, c="white", edgecolors="black", linewidths=1.2, zorder=2
        )
        names = node_labels[i] if node_labels is not None else None
        for yj, name in zip(y, names or [], strict=False):
            ax.text(i, yj, name, ha="center", va="center", fontsize=9, zorder=3)

    half = (max(units) - 1) / 2.0 + 0.7
    ax.set_xlim(-0.5, len(units) - 0.5)
    ax.set_ylim(-half, half)
    names = ["input"] + [f"hidden {i}" for i in range(1, len(units) - 1)] + ["output"]
    ax.set_xticks(range(len(units)), [f"{n}\n({s})" for n, s in zip(names, units, strict=True)])
    ax.set_xlabel("layer (units)")
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    if weights is not None:
        ax.legend(
            handles=[Line2D([], [], color=c, lw=2) for c in PALETTE[:2]],
            labels=["w > 0", "w < 0"],
            loc="upper right",
        )
    return ax


def _check_diagram(units: list[int], weights: Sequence[np.ndarray] | None,
                   node_labels: Sequence[Sequence[str] | None] | None) -> None:
    if weights is not None:
        _each(weights, "weights", floats(ndim=2))
        if len(weights) != len(units) - 1:
            raise ValueError(
                f"weights must have len(layer_sizes) - 1 = {len(units) - 1} arrays, "
                f"got {len(weights)}"
            )
        for i, w in enumerate(weights):
            if np.shape(w) != (units[i], units[i + 1]):
                raise ValueError(
                    f"weights[{i}] must have shape (layer_sizes[{i}], layer_sizes[{i + 1}]) = "
                    f"{(units[i], units[i + 1])}, got {np.shape(w)}"
                )
    if node_labels is not None:
        if len(node_labels) != len(units):
            raise ValueError(
                f"node_labels must have one entry per layer ({len(units)}), got {len(node_labels)}"
            )
        for i, names in enumerate(node_labels):
            if names is not None and len(names) != units[i]:
                raise ValueError(
                    f"node_labels[{i}] must have layer_sizes[{i}] = {units[i]} labels, "
                    f"got {len(names)}"
                )


@validate(images=data(), ncols=positive_int, titles=optional(sequence_of(instance(str))),
          cmap=instance(str), ax_size=positive)
def image_grid(
    images: np.ndarray,
    ncols: int = 8,
    titles: Sequence[str] | None = None,
    cmap: str = "gray_r",
    ax_size: float = 1.0,
) -> Figure:
    """Show N images (N, H, W) or (N, C, H, W) with C in {1, 3} in a grid, ncols per row."""
    if images.ndim == 4 and images.shape[1] in (1, 3):
        # Channels-first as in the rest of dlbook; imshow wants (H, W) or (H, W, 3).
        images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    elif images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W) or (N, 1|3, H, W), got {images.shape}")
    n = len(images)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")

    cols = min(ncols, n)
    rows = -(-n // cols)
    title_space = 0.3 if titles is not None else 0.0
    fig, axes = plt.subplots(
        rows, cols, figsize=(ax_size * cols, (ax_size + title_space) * rows), squeeze=False
    )
    # One grey scale for the whole grid, so brightness compares across images.
    vmin, vmax = np.nanmin(images), np.nanmax(images)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    fig.subplots_adjust(
        left=0.02,
        right=0.98,
        bottom=0.02,
        top=0.98 if titles is None else 0.9,
        wspace=0.05,
        hspace=0.05 if titles is None else 0.4,
    )
    return fig
