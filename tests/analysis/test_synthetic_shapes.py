"""Over 400 synthetic endpoints of known shape, the analysis names at least 95% honestly and calls
at most 1% of the constant ones growing (issue #10's bar); the confusion matrix is printed
(``pytest -s``, or ``python bench/growth_confusion.py``).

Strict: the class named is the true one (a step: its cliff is named where it is). Honest: strict,
or "undetermined between X and Y" with the truth between them; at three sizes O(n) and O(n log n)
are often not separable, and saying so is right, not wrong.
"""

from __future__ import annotations

import pytest

from tests.analysis.shapes import COLUMNS, SHAPES, Scores, score

PER_KIND = 19
"""Endpoints per shape and size set: 22 kinds (no step at three sizes), 418 endpoints."""


@pytest.fixture(scope="module")
def scores() -> Scores:
    found = score(PER_KIND, seed=0)
    print("\n" + found.table())
    return found


def test_at_least_400_endpoints_of_every_shape_and_size_set(scores: Scores) -> None:
    assert scores.total >= 400
    assert set(scores.matrix) == set(SHAPES)
    assert len(scores.by_size_set) == 4


def test_at_least_95_percent_are_named_honestly(scores: Scores) -> None:
    assert scores.honest / scores.total >= 0.95, scores.table()
    for size_set, (total, _, honest) in scores.by_size_set.items():
        assert honest / total >= 0.95, (size_set, scores.table())


def test_most_are_named_strictly_and_more_sizes_name_more(scores: Scores) -> None:
    """A floor under the strict share, so that a change that hides behind "undetermined" shows."""
    assert scores.strict / scores.total >= 0.60, scores.table()
    three = [v for k, v in scores.by_size_set.items() if "3 sizes" in k]
    more = [v for k, v in scores.by_size_set.items() if "3 sizes" not in k]
    assert sum(s for _, s, _ in more) / sum(t for t, _, _ in more) > sum(s for _, s, _ in three) / sum(
        t for t, _, _ in three)


def test_at_most_one_percent_of_constant_endpoints_are_called_growing(scores: Scores) -> None:
    assert scores.constant_called_growing <= 0.01 * scores.constant_total, scores.table()


def test_smooth_growth_is_never_a_cliff_and_every_step_is_found_or_left_open(scores: Scores) -> None:
    false_cliffs = sum(scores.matrix[shape]["cliff"] for shape in SHAPES if shape != "step")
    assert false_cliffs == 0, scores.table()
    steps = scores.matrix["step"]
    assert steps["cliff"] >= 0.9 * sum(steps.values()), scores.table()


def test_the_matrix_has_every_column_it_prints(scores: Scores) -> None:
    for row in scores.matrix.values():
        assert set(row) <= set(COLUMNS)
    assert "strict" in scores.table()
    assert "honest" in scores.table()
