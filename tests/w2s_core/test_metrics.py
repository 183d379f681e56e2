import math

import numpy as np
import pytest

from w2s_core import accuracy, mean_se, pgr


def test_pgr_is_the_share_of_the_gap_recovered() -> None:
    assert pgr(0.7, 0.6, 0.8) == pytest.approx(0.5)
    assert pgr(0.6, 0.6, 0.8) == pytest.approx(0.0)
    assert pgr(0.8, 0.6, 0.8) == pytest.approx(1.0)
    assert pgr(0.5, 0.6, 0.8) == pytest.approx(-0.5)


def test_pgr_without_a_gap_is_nan() -> None:
    assert math.isnan(pgr(0.7, 0.6, 0.6))


def test_mean_se_uses_the_sample_standard_deviation() -> None:
    mean, se = mean_se([0.1, 0.2, 0.3, 0.4])
    assert mean == pytest.approx(0.25)
    assert se == pytest.approx(np.std([0.1, 0.2, 0.3, 0.4], ddof=1) / 2)
    assert mean_se([0.3]) == (0.3, 0.0)


def test_accuracy_thresholds_at_one_half() -> None:
    assert accuracy(np.array([0.9, 0.2, 0.5, 0.51]), np.array([1, 0, 1, 1])) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        accuracy(np.array([0.1]), np.array([0, 1]))
