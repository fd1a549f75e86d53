"""The training loop: it learns, records, stops early, and refuses to hide a divergence."""

import numpy as np
import pytest

from dlbook import data, nn, optim, train


def xor_problem(seed=0):
    rng = np.random.default_rng(seed)
    X, y = data.make_xor(200, noise=0.2, rng=rng)
    model = nn.Sequential(nn.Dense(2, 16, rng=rng), nn.Tanh(), nn.Dense(16, 2, rng=rng))
    return rng, X, y, model


def test_fit_learns_xor_and_records_history():
    rng, X, y, model = xor_problem()
    hist = train.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
                     X, y, epochs=30, batch_size=32, rng=rng, val_data=(X[:50], y[:50]),
                     metrics={"acc": train.accuracy})
    assert set(hist.metrics) == {"loss", "acc", "val_loss", "val_acc"}
    assert hist.epochs == 30 and len(hist["val_acc"]) == 30
    assert hist["loss"][-1] < 0.3 * hist["loss"][0]
    assert hist["acc"][-1] > 0.9
    assert model.training  # fit leaves the model in training mode after evaluating


def test_fit_is_deterministic_given_the_seed():
    losses = []
    for _ in range(2):
        rng, X, y, model = xor_problem(seed=3)
        hist = train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                         X, y, epochs=3, batch_size=16, rng=rng)
        losses.append(hist["loss"])
    assert losses[0] == losses[1]


def test_fit_stops_with_a_clear_error_when_the_loss_diverges():
    rng, X, y, model = xor_problem()
    with pytest.raises(train.DivergenceError,
                       match=r"loss became (nan|inf) at epoch \d+, step \d+; try a smaller "
                             r"learning rate \(lr=1e\+06\)"):
        train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e6),
                  X, np.eye(2)[y], epochs=50, batch_size=200, rng=rng)


def test_early_stopping_stops_and_restores_the_best_parameters():
    rng, X, y, model = xor_problem()
    stopper = train.EarlyStopping(monitor="val_loss", patience=2)
    # a large learning rate makes validation loss bounce, so the stop comes early
    hist = train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=3.0),
                     X, y, epochs=200, batch_size=200, rng=rng, val_data=(X, y),
                     callbacks=[stopper])
    assert hist.stopped_epoch is not None and hist.stopped_epoch < 200
    assert hist.stopped_epoch == stopper.best_epoch + 2
    best = min(hist["val_loss"])
    assert stopper.best == best
    restored = train.evaluate(model, nn.CrossEntropyLoss(), X, y)["loss"]
    assert restored == pytest.approx(best)


def test_callback_can_stop_training():
    rng, X, y, model = xor_problem()
    hist = train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                     X, y, epochs=10, batch_size=50, rng=rng,
                     callbacks=[lambda epoch, history, m: epoch == 4])
    assert hist.epochs == 4 and hist.stopped_epoch == 4


def test_accuracy_for_logits_and_class_scores():
    assert train.accuracy(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0])) == 0.5
    assert train.accuracy(np.array([1.5, -0.2, 0.3]), np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert train.accuracy(np.array([[1.5], [-0.2]]), np.array([1, 0])) == 1.0
    with pytest.raises(ValueError, match="y must have 2 labels, got 3"):
        train.accuracy(np.zeros((2, 3)), np.zeros(3))


def test_evaluate_restores_the_mode():
    _, X, y, model = xor_problem()
    model.eval()
    train.evaluate(model, nn.CrossEntropyLoss(), X, y)
    assert not model.training


def test_history_names_missing_metric():
    with pytest.raises(KeyError, match=r"no metric 'val_loss'; recorded: \['loss'\]"):
        train.History({"loss": [1.0]})["val_loss"]


def test_fit_rejects_bad_arguments():
    rng, X, y, model = xor_problem()
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="same length, got 200 and 199"):
        train.fit(model, loss, opt, X, y[:-1], epochs=1, batch_size=8, rng=rng)
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        train.fit(model, loss, opt, X, y, epochs=0, batch_size=8, rng=rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        train.fit(model, loss, opt, X, y, epochs=1, batch_size=8, rng=None)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        train.EarlyStopping(mode="up")
