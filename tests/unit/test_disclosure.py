"""Disclosure control of the policy statistics: small counts hidden, and no hidden count recomputable from a
total (the totals printed, or the real ones a reader might know from elsewhere)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.domain.disclosure import SHIELDED, SMALL, Disclosed, bounds, determined, suppress

# Counts as policy tables have them: many zeros and small numbers, some large ones.
COUNT = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 60))
TABLES = st.integers(1, 5).flatmap(
    lambda width: st.lists(st.lists(COUNT, min_size=width, max_size=width), min_size=1, max_size=5)
)


def _lines(table: list[list[int]]) -> list[list[tuple[int, int]]]:
    rows, width = len(table), len(table[0])
    return [[(r, c) for c in range(width)] for r in range(rows)] + [
        [(r, c) for r in range(rows)] for c in range(width)
    ]


def _possible_values(hidden_sum: int, marks: list[str], at: int) -> set[int]:
    """Every value cell ``at`` can take given the marks and their known sum, by enumerating the sums the
    other hidden cells can reach (a set per cell added in turn)."""
    ranges = [range(low, (high if high is not None else hidden_sum) + 1) for low, high in map(bounds, marks)]
    reachable = {0}
    for index, values in enumerate(ranges):
        if index != at:
            reachable = {s + v for s in reachable for v in values if s + v <= hidden_sum}
    return {v for v in ranges[at] if hidden_sum - v in reachable}


def test_small_counts_are_hidden_and_zeros_stay() -> None:
    shown = suppress([[0, 3, 25], [12, 40, 18]])
    assert shown.cells[0][0] == 0
    assert shown.cells[0][1] == SMALL
    # Row 0 and column 1 each had one hidden cell: the smallest other non-zero cell of each is shielded;
    # that leaves column 2 with one hidden cell, so its 18 goes too.
    assert shown.cells == [[0, SMALL, SHIELDED], [12, SHIELDED, SHIELDED]]
    assert shown.row_totals == [0, 12] and shown.column_totals == [12, 0, 0] and shown.total == 12
    assert (shown.hidden, shown.shielded) == (4, 3)


def test_two_small_cells_that_can_only_be_ones_get_company() -> None:
    shown = suppress([[1, 1, 30, 45]])
    assert shown.cells == [[SMALL, SMALL, SHIELDED, 45]]


def test_a_table_without_small_counts_is_published_whole() -> None:
    shown = suppress([[10, 20], [0, 11]])
    assert shown.cells == [[10, 20], [0, 11]] and shown.hidden == 0
    assert shown.row_totals == [30, 11] and shown.column_totals == [10, 31] and shown.total == 41


def test_determined_recognises_the_only_combinations() -> None:
    assert determined(4, [SMALL])
    assert determined(2, [SMALL, SMALL]) and determined(18, [SMALL, SMALL])
    assert not determined(3, [SMALL, SMALL])
    assert determined(11, [SMALL, SHIELDED]) and not determined(12, [SMALL, SHIELDED])


@settings(max_examples=400, deadline=None)
@given(TABLES)
def test_no_hidden_count_can_be_recomputed(table: list[list[int]]) -> None:
    shown: Disclosed = suppress(table)
    for r, row in enumerate(table):
        for c, n in enumerate(row):
            cell = shown.cells[r][c]
            if 0 < n < 10:
                assert cell == SMALL
            elif isinstance(cell, int):
                assert cell == n  # what is shown is true
            else:
                assert cell == SHIELDED and n >= 10
    # The printed totals add up the printed cells: subtracting the shown cells from them leaves 0.
    for r, row in enumerate(shown.cells):
        assert shown.row_totals[r] == sum(n for n in row if isinstance(n, int))
    for c in range(len(table[0])):
        assert shown.column_totals[c] == sum(row[c] for row in shown.cells if isinstance(row[c], int))
    assert shown.total == sum(shown.row_totals) == sum(shown.column_totals)
    # A reader who knows a line's real total still cannot tell a hidden cell, unless the line has nothing
    # left to hide (all its non-zero cells are hidden already).
    for line in _lines(table):
        hidden = [(r, c) for r, c in line if not isinstance(shown.cells[r][c], int)]
        if not hidden:
            continue
        marks = [str(shown.cells[r][c]) for r, c in hidden]
        hidden_sum = sum(table[r][c] for r, c in hidden)
        if any(isinstance(shown.cells[r][c], int) and table[r][c] > 0 for r, c in line):
            for at in range(len(hidden)):
                assert len(_possible_values(hidden_sum, marks, at)) > 1, (table, shown.cells, line)
