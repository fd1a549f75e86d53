"""Tests for dlbook.plot (house style and figures) and dlbook.show (source display)."""

import matplotlib

matplotlib.use("Agg")  # headless: before pyplot is imported anywhere

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlbook import data, plot  # noqa: E402
from dlbook.show import Source, show_source  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def moons():
    return data.make_moons(80, 0.1, rng=np.random.default_rng(0))


def _scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


# ----------------------------------------------------------------------- style


def test_use_style_sets_rcparams_and_is_idempotent():
    with matplotlib.rc_context():
        plot.use_style()
        first = {k: matplotlib.rcParams[k] for k in plot._STYLE}
        plot.use_style()
        assert {k: matplotlib.rcParams[k] for k in plot._STYLE} == first
        assert list(matplotlib.rcParams["figure.figsize"]) == [6.0, 4.0]
        assert matplotlib.rcParams["savefig.dpi"] == 100
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["axes.spines.right"] is False
        assert matplotlib.rcParams["axes.grid"] is True
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert [c.lower() for c in cycle] == [c.lower() for c in plot.PALETTE]
        fig, ax = plt.subplots()
        assert tuple(fig.get_size_inches()) == (6.0, 4.0)


# ----------------------------------------------------------- decision_boundary


def test_decision_boundary_with_int_labels(moons):
    X, y = moons
    ax = plot.decision_boundary(lambda g: (g[:, 1] < 0.25).astype(int), X, y, title="t")
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert ax.get_title() == "t"
    scatters = _scatters(ax)
    assert len(scatters) == 2  # one per class
    assert sum(len(s.get_offsets()) for s in scatters) == len(X)
    assert sum(isinstance(c, ContourSet) for c in ax.collections) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_scores_probabilities_and_column_are_equivalent(moons):
    X, y = moons
    # All three say "class 1 iff x1 > 0"; the filled regions must agree.
    p = lambda g: 1.0 / (1.0 + np.exp(-5 * g[:, 0]))  # noqa: E731
    variants = [
        lambda g: np.column_stack([-g[:, 0], g[:, 0]]),  # (M, 2) scores -> argmax
        p,  # (M,) probabilities -> threshold 0.5
        lambda g: p(g)[:, None],  # (M, 1) from a one-unit output layer
        lambda g: (g[:, 0] > 0).astype(np.int64),  # labels
    ]
    seen = []

    def spy(f):
        def wrapped(grid):
            out = f(grid)
            seen.append(plot._as_labels(out, len(grid)))
            return out

        return wrapped

    for f in variants:
        plot.decision_boundary(spy(f), X, y, resolution=30)
    for labels in seen[1:]:
        np.testing.assert_array_equal(labels, seen[0])
    assert 0 < seen[0].mean() < 1  # both classes present on the grid


def test_decision_boundary_grid_covers_data_with_padding(moons):
    X, y = moons
    grids = []
    ax = plot.decision_boundary(
        lambda g: grids.append(g) or np.zeros(len(g), int), X, y, resolution=7, padding=0.25
    )
    (g,) = grids
    assert g.shape == (49, 2)
    np.testing.assert_allclose(g.min(0), X.min(0) - 0.25)
    np.testing.assert_allclose(g.max(0), X.max(0) + 0.25)
    np.testing.assert_allclose(ax.get_xlim(), (X[:, 0].min() - 0.25, X[:, 0].max() + 0.25))


def test_decision_boundary_three_classes_draws_on_given_ax():
    X, y = data.make_spirals(90, 3, rng=np.random.default_rng(1))
    fig, ax = plt.subplots()
    out = plot.decision_boundary(lambda g: np.column_stack([g, -g.sum(1)]), X, y, ax=ax)
    assert out is ax
    assert len(_scatters(ax)) == 3


def test_decision_boundary_errors(moons):
    X, y = moons
    with pytest.raises(ValueError, match=r"outside \[0, 1\].*sigmoid"):
        plot.decision_boundary(lambda g: 3.0 * g[:, 0], X, y)
    with pytest.raises(ValueError, match=r"must return shape \(400,\) or \(400, K\).*got \(3,\)"):
        plot.decision_boundary(lambda g: np.zeros(3), X, y, resolution=20)
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 2\), got \(80, 3\)"):
        plot.decision_boundary(lambda g: g[:, 0] > 0, np.zeros((80, 3)), y)
    with pytest.raises(ValueError, match=r"same number of examples, got 80 and 79"):
        plot.decision_boundary(lambda g: g[:, 0] > 0, X, y[:-1])
    with pytest.raises(ValueError, match=r"resolution must be an int >= 2, got 1"):
        plot.decision_boundary(lambda g: g[:, 0] > 0, X, y, resolution=1)


# ----------------------------------------------------------------- contour_path


def _bowl(a, b):
    return a**2 + 4 * b**2


def test_contour_path_lines_markers_and_legend():
    p1 = np.array([[1.5, 1.0], [1.0, 0.5], [0.5, 0.2], [0.1, 0.0]])
    p2 = np.array([[-1.5, -1.0], [-0.5, 0.0]])
    ax = plot.contour_path(_bowl, [p1, p2], (-2, 2), (-1.5, 1.5), labels=["sgd", "adam"])
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.lines) == 6  # per path: the path, its start, its end
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), p1)
    np.testing.assert_array_equal(ax.lines[1].get_xydata(), p1[:1])
    np.testing.assert_array_equal(ax.lines[2].get_xydata(), p1[-1:])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["sgd", "adam", "start", "end"]
    assert ax.get_xlim() == (-2, 2)


def test_contour_path_single_array_no_labels_no_legend():
    ax = plot.contour_path(_bowl, np.array([[1.0, 1.0], [0.0, 0.0]]), (-2, 2), (-2, 2))
    assert len(ax.lines) == 3
    assert ax.get_legend() is None


def test_contour_path_log_levels_are_geometric():
    ax = plot.contour_path(
        lambda a, b: 1.0 + _bowl(a, b),
        [np.zeros((2, 2))],
        (-2, 2),
        (-2, 2),
        levels=5,
        log_levels=True,
    )
    (cs,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    ratios = cs.levels[1:] / cs.levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0])
    assert cs.levels[0] == pytest.approx(1.0, abs=1e-3)
    assert len(cs.levels) == 5


def test_contour_path_errors():
    path = [np.zeros((3, 2))]
    with pytest.raises(ValueError, match=r"paths\[0\] must have shape \(\?, 2\), got \(3, 3\)"):
        plot.contour_path(_bowl, [np.zeros((3, 3))], (-1, 1), (-1, 1))
    with pytest.raises(ValueError, match=r"labels must have one entry per path \(1\), got 2"):
        plot.contour_path(_bowl, path, (-1, 1), (-1, 1), labels=["a", "b"])
    with pytest.raises(ValueError, match=r"f\(X, Y\) must be vectorised.*got \(\)"):
        plot.contour_path(lambda a, b: 1.0, path, (-1, 1), (-1, 1))
    with pytest.raises(ValueError, match=r"log_levels=True needs f > 0"):
        plot.contour_path(lambda a, b: -_bowl(a, b) - 1, path, (-1, 1), (-1, 1), log_levels=True)


# ---------------------------------------------------------------------- history


def test_history_from_dict():
    hist = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.8, 0.6]}
    ax = plot.history(hist)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 2
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel()
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [1.2, 0.8, 0.6])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "val_loss"]


def test_history_from_object_with_metrics_keys_and_logy():
    class History:
        metrics = {"loss": [3.0, 2.0, 1.0, 0.5], "acc": [0.1, 0.5, 0.8, 0.9], "val_loss": []}

    ax = plot.history(History(), keys=["loss"], logy=True)
    assert len(ax.lines) == 1
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "loss"
    # Without keys, empty series (no validation data) are skipped, not plotted.
    assert len(plot.history(History()).lines) == 2


def test_history_errors():
    with pytest.raises(TypeError, match=r"hist must be a dict.*got list"):
        plot.history([1.0, 2.0])
    with pytest.raises(ValueError, match=r"keys \['acc'\] not in history; available: \['loss'\]"):
        plot.history({"loss": [1.0]}, keys=["acc"])
    with pytest.raises(ValueError, match=r"series \['val_loss'\] are empty"):
        plot.history({"loss": [1.0], "val_loss": []}, keys=["val_loss"])
    with pytest.raises(ValueError, match=r"nothing to plot"):
        plot.history({"loss": []})


# -------------------------------------------------------------- network_diagram


def _edges(ax):
    return [lc for lc in ax.collections if isinstance(lc, LineCollection)]


@pytest.mark.parametrize("sizes", [[2, 3, 1], [4, 5, 5, 3], [1, 1]])
def test_network_diagram_counts(sizes):
    ax = plot.network_diagram(sizes)
    assert isinstance(ax, Axes)
    n_edges = sum(len(lc.get_segments()) for lc in _edges(ax))
    assert n_edges == sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    n_nodes = sum(len(s.get_offsets()) for s in _scatters(ax))
    assert n_nodes == sum(sizes)
    assert ax.get_xlabel()
    assert [t.get_text() for t in ax.get_xticklabels()][0].startswith("input")


def test_network_diagram_weights_set_width_and_colour():
    w0 = np.array([[1.0, -2.0, 0.5], [0.0, 4.0, -4.0]])  # (2, 3) like Dense.W
    w1 = np.array([[1.0], [-1.0], [2.0]])  # (3, 1)
    ax = plot.network_diagram([2, 3, 1], weights=[w0, w1])
    lc0, lc1 = _edges(ax)
    widths = np.asarray(lc0.get_linewidths())
    order = np.argsort(np.abs(w0.ravel()))
    assert np.all(np.diff(widths[order]) >= 0)  # width grows with |w|
    assert widths[np.abs(w0.ravel()).argmax()] > 3 * widths[np.abs(w0.ravel()).argmin()]
    colors = lc0.get_colors()
    pos = matplotlib.colors.to_rgba(plot.PALETTE[0], 0.8)
    neg = matplotlib.colors.to_rgba(plot.PALETTE[1], 0.8)
    for c, w in zip(colors, w0.ravel(), strict=True):
        np.testing.assert_allclose(c, pos if w >= 0 else neg)
    # Edge a -> b of weights[i][a, b] joins unit a of layer 0 to unit b of layer 1.
    seg = lc0.get_segments()[1]  # w0[0, 1]
    nodes0 = _scatters(ax)[0].get_offsets()
    nodes1 = _scatters(ax)[1].get_offsets()
    np.testing.assert_allclose(seg, [nodes0[0], nodes1[1]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["w > 0", "w < 0"]


def test_network_diagram_node_labels():
    ax = plot.network_diagram([2, 1], node_labels=[["$x_1$", "$x_2$"], None])
    assert sorted(t.get_text() for t in ax.texts) == ["$x_1$", "$x_2$"]


def test_network_diagram_errors():
    with pytest.raises(ValueError, match=r"layer_sizes must have 2 or more dims, got \(3,\)"):
        plot.network_diagram([3])
    with pytest.raises(ValueError, match=r"layer_sizes\[1\] must be a positive int, got 0"):
        plot.network_diagram([3, 0])
    with pytest.raises(TypeError, match=r"layer_sizes\[1\] must be an int, got float"):
        plot.network_diagram([3, 2.0])
    with pytest.raises(
        ValueError, match=r"weights must have len\(layer_sizes\) - 1 = 2 arrays, got 1"
    ):
        plot.network_diagram([2, 3, 1], weights=[np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape .* \(2, 3\), got \(3, 2\)"):
        plot.network_diagram([2, 3, 1], weights=[np.zeros((3, 2)), np.zeros((3, 1))])
    with pytest.raises(ValueError, match=r"node_labels\[0\] must have layer_sizes\[0\] = 2 labels"):
        plot.network_diagram([2, 1], node_labels=[["a"], None])
    with pytest.raises(ValueError, match=r"node_labels must have one entry per layer \(2\), got 1"):
        plot.network_diagram([2, 1], node_labels=[["a", "b"]])


# -------------------------------------------------------------------- image_grid


def test_image_grid_layout_and_titles():
    imgs, y = data.load_digits(return_images=True)
    fig = plot.image_grid(imgs[:10], ncols=4, titles=[str(v) for v in y[:10]])
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 12  # 3 rows x 4 columns
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 10
    assert [ax.get_title() for ax in shown] == [str(v) for v in y[:10]]
    assert shown[0].images[0].get_array().shape == (8, 8)
    np.testing.assert_array_equal(shown[3].images[0].get_array(), imgs[3, 0])


def test_image_grid_3d_input_and_few_images():
    fig = plot.image_grid(np.random.default_rng(0).random((3, 5, 6)), ncols=8)
    assert len(fig.axes) == 3  # never wider than the number of images
    assert fig.axes[0].images[0].get_array().shape == (5, 6)


def test_image_grid_errors():
    with pytest.raises(ValueError, match=r"images must have shape .*got \(4, 4\)"):
        plot.image_grid(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"got \(2, 2, 4, 4\)"):
        plot.image_grid(np.zeros((2, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"titles must have one entry per image \(2\), got 1"):
        plot.image_grid(np.zeros((2, 4, 4)), titles=["a"])
    with pytest.raises(ValueError, match=r"ncols must be a positive int, got 0"):
        plot.image_grid(np.zeros((2, 4, 4)), ncols=0)
    with pytest.raises(ValueError, match=r"images must not be empty"):
        plot.image_grid(np.zeros((0, 4, 4)))


def test_no_function_calls_show(monkeypatch, moons):
    def fail(*args, **kwargs):
        raise AssertionError("plt.show() called inside dlbook.plot")

    monkeypatch.setattr(plt, "show", fail)
    X, y = moons
    plot.decision_boundary(lambda g: g[:, 0] > 0, X, y)
    plot.history({"loss": [1.0, 0.5]})
    plot.network_diagram([2, 2])
    plot.image_grid(np.zeros((2, 3, 3)))
    plot.contour_path(_bowl, np.zeros((2, 2)), (-1, 1), (-1, 1))


# ----------------------------------------------------------------- show_source


def test_show_source_function_text_and_html():
    src = show_source(data.one_hot)
    assert isinstance(src, Source)
    text = repr(src)
    # the decorator line that declares the argument checks is part of the listing
    assert text.startswith("@validate(y=ints(ndim=1), n_classes=positive_int)\n"
                           "def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:")
    assert "out[np.arange(y.size), y] = 1.0" in text
    assert str(src) == text
    html = src._repr_html_()
    assert "<span" in html and "style=" in html  # inline styles, no CSS classes needed
    assert 'class="k"' not in html
    assert "dlbook.data.one_hot" in html
    assert html == show_source(data.one_hot)._repr_html_()  # deterministic for nbval


def test_show_source_method_is_dedented_and_class_whole():
    method = repr(show_source(data.Standardizer.transform))
    assert method.startswith("def transform(self")
    cls = repr(show_source(data.Standardizer))
    assert cls.startswith("class Standardizer:")
    assert "def inverse_transform" in cls


def test_show_source_html_escapes_code():
    html = show_source(plot._as_labels)._repr_html_()
    assert "&gt;" in html  # the "->" and ">=" in the source


@pytest.mark.parametrize("obj", [len, 3, "text", np.float64(1.0)])
def test_show_source_without_source_raises_type_error(obj):
    with pytest.raises(TypeError, match=r"show_source needs a function, class, method or module"):
        show_source(obj)
