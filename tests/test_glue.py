"""dlbook.glue writes exactly what myst_nb.glue writes, so the book renders it the same."""

from unittest import mock

import pytest

from dlbook import glue


@pytest.mark.parametrize("display", [True, False])
@pytest.mark.parametrize("value", [0.123456, 42, "text", [1, 2]])
def test_glue_matches_myst_nb(value, display):
    import myst_nb.ext.glue as reference

    ours, theirs = [], []
    with mock.patch("IPython.display.display", side_effect=lambda *a, **k: ours.append((a, k))):
        glue("name", value, display=display)
    with mock.patch.object(reference, "ipy_display",
                           side_effect=lambda *a, **k: theirs.append((a, k))):
        reference.glue("name", value, display=display)
    assert ours == theirs and len(ours) == 1


def test_glue_rejects_a_name_that_is_not_a_string():
    with pytest.raises(TypeError, match="name must be a str"):
        glue(3, 1.0)


def test_glue_stores_a_numpy_scalar_as_the_python_number():
    import numpy as np

    calls = []
    with mock.patch("IPython.display.display", side_effect=lambda *a, **k: calls.append(a)):
        glue("name", np.float64(0.25), display=False)
    assert calls[0][0] == {"application/papermill.record/text/plain": "0.25"}
