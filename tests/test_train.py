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


def test_fit_names_parameters_that_overflow_on_the_last_step_of_training():
    # one epoch of one batch: the loss is finite, the step that follows it is not
    X = np.ones((4, 1))
    model = nn.Dense(1, 1, rng=np.random.default_rng(0))
    with pytest.raises(train.DivergenceError,
                       match=r"parameters became NaN or infinite at epoch 1, step 1"):
        train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e308),
                  X, 1e3 * X, epochs=1, batch_size=4, rng=np.random.default_rng(0))


def test_fit_without_metrics_does_not_evaluate_the_training_set_again(monkeypatch):
    calls = []
    monkeypatch.setattr(train, "evaluate", lambda *a, **k: calls.append(1) or {"loss": 0.0})
    rng, X, y, model = xor_problem()
    train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
              X, y, epochs=2, batch_size=50, rng=rng)
    assert calls == []


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
    with pytest.raises(ValueError, match=r"y must have shape \(2,\) or \(2, 1\), one label per "
                                         r"row of scores, got \(3,\)"):
        train.accuracy(np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y must have shape \(2,\) or \(2, 1\)"):
        train.accuracy(np.zeros((2, 3)), np.zeros((1, 2)))


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
    with pytest.raises(ValueError, match="same number of examples, got 200 and 199"):
        train.fit(model, loss, opt, X, y[:-1], epochs=1, batch_size=8, rng=rng)
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        train.fit(model, loss, opt, X, y, epochs=0, batch_size=8, rng=rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        train.fit(model, loss, opt, X, y, epochs=1, batch_size=8, rng=None)
    with pytest.raises(ValueError, match=r"mode must be one of \['min', 'max'\], got 'up'"):
        train.EarlyStopping(mode="up")


@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_fit_names_nonfinite_data_instead_of_blaming_the_learning_rate(where, bad):
    rng, X, _, model = xor_problem()
    Y = np.eye(2)[_]  # float targets, so that y can hold a NaN too
    (X if where == "X" else Y)[7, 0] = bad
    with pytest.raises(ValueError, match=rf"^{where} must be finite, got 1 NaN or infinite"):
        train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), X, Y,
                  epochs=1, batch_size=32, rng=rng)
    with pytest.raises(ValueError, match=rf"^{where} must be finite"):
        train.evaluate(model, nn.MSELoss(), X, Y)


def test_fit_and_evaluate_name_arguments_of_the_wrong_type():
    rng, X, y, model = xor_problem()
    opt, loss = optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss()
    kw = {"epochs": 1, "batch_size": 8, "rng": rng}
    cases = [
        (lambda: train.fit(None, loss, opt, X, y, **kw), r"model must be a Module, got NoneType"),
        (lambda: train.fit(model, "mse", opt, X, y, **kw), r"loss_fn must be a Loss, got str"),
        (lambda: train.fit(model, loss, "sgd", X, y, **kw), r"optimizer must be an Optimizer"),
        (lambda: train.fit(model, loss, opt, X, y, callbacks=[None], **kw),
         r"callbacks\[0\] must be callable, got NoneType"),
        (lambda: train.fit(model, loss, opt, X, y, metrics={"acc": 1}, **kw),
         r"metrics\['acc'\] must be callable, got int"),
        (lambda: train.fit(model, loss, opt, X, y, val_data=X, **kw),
         r"val_data must be a tuple \(X, y\), got ndarray"),
        (lambda: train.fit(model, loss, opt, X.astype(int), y, **kw),
         r"X must have a floating dtype"),
        (lambda: train.evaluate(None, loss, X, y), r"model must be a Module, got NoneType"),
        (lambda: train.evaluate(model, "mse", X, y), r"loss_fn must be a Loss, got str"),
        (lambda: train.evaluate(model, loss, X.tolist(), y), r"X must be a numpy.ndarray"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError, match=message):
            call()


def test_fit_checks_val_data_like_the_training_data():
    rng, X, y, model = xor_problem()
    opt, loss = optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match=r"val_data\[0\] and val_data\[1\] must have the same"):
        train.fit(model, loss, opt, X, y, epochs=1, batch_size=8, rng=rng, val_data=(X, y[:5]))
    with pytest.raises(ValueError, match=r"val_data must be a pair \(X, y\), got 3 items"):
        train.fit(model, loss, opt, X, y, epochs=1, batch_size=8, rng=rng, val_data=(X, y, y))


def test_fit_accepts_empty_callbacks_and_metrics_and_prints_with_verbose(capsys):
    rng, X, y, model = xor_problem()
    hist = train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                     X, y, epochs=2, batch_size=50, rng=rng, callbacks=[], metrics={},
                     verbose=1)
    assert set(hist.metrics) == {"loss"}
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("epoch    2  loss ")


def test_early_stopping_modes_and_arguments():
    stopper = train.EarlyStopping(monitor="acc", patience=2, mode="max", min_delta=0.05)
    model = nn.Dense(1, 1, rng=np.random.default_rng(0))
    hist = train.History()
    for epoch, acc in enumerate([0.5, 0.6, 0.62, 0.64], start=1):
        hist.record("acc", acc)
        stop = stopper(epoch, hist, model)
    # 0.62 and 0.64 do not beat 0.6 by more than min_delta: stop two epochs after epoch 2
    assert (stopper.best, stopper.best_epoch, stop) == (0.6, 2, True)
    with pytest.raises(TypeError, match="patience must be an int, got float"):
        train.EarlyStopping(patience=2.5)
    with pytest.raises(ValueError, match="min_delta must be >= 0, got -1"):
        train.EarlyStopping(min_delta=-1)
    train.EarlyStopping().on_train_end(model)  # never called: nothing to restore, no error
