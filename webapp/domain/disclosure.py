"""Statistical disclosure control for the anonymised policy statistics (convenant art. 2.3 and 12.5).

A count under 10 could point at a person in a small municipality, so it is not published:

* **primary suppression**: a cell with 1 ≤ n < 10 is shown as "< 10"; a 0 stays 0 (nobody to point at);
* **secondary suppression**: a reader may know a line's real total from elsewhere (another table of the
  same register counts the same entries per organisation, or an annual report gives the number of
  breaches). Then a line with a single hidden cell gives that cell away by subtraction, and so does a
  line whose hidden cells can take only one combination of values (two "< 10" cells that add up to 2 are
  both 1; a "< 10" and an "x" that add up to 11 are 1 and 10, since an "x" hides a number of 10 or more).
  In such a line the smallest non-zero cell still shown is hidden as well, shown as "x"; repeated over
  rows and columns until nothing changes.

**Totals are sums of the published cells only** ("totaal getoond"), never the real totals. Of the two
choices (publishing the real totals and suppressing them where they give a cell away, or publishing totals
over what is shown) this one gives nothing away by construction: a total minus its shown cells is 0, so no
hidden count can be computed from anything these tables print, and the reader can still check the sums.
The real totals would in turn need their own protection (a total under 10 is itself a small count), and
a suppressed total says less than a partial one. The secondary suppression above then only guards against
totals learned elsewhere.

What this does not do: a line whose every non-zero cell is hidden has nothing left to hide; it stays as it
is (its real total is then a sum of hidden cells and is not printed here). Suppression works within one
table: two tables of different periods can still be subtracted from each other, which no cell rule
prevents; that is why every export is logged with who made it and for which purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 10
SMALL = "< 10"  # a count from 1 to 9
SHIELDED = "x"  # a count hidden so that a "< 10" elsewhere cannot be computed (10 or more)

Cell = int | str


@dataclass(frozen=True)
class Disclosed:
    cells: list[list[Cell]]  # int where shown, SMALL or SHIELDED where hidden
    row_totals: list[int]  # sums of the shown cells of each row
    column_totals: list[int]
    total: int
    hidden: int  # cells hidden in all
    shielded: int  # of which hidden to protect another (secondary)


def suppress(counts: Sequence[Sequence[int]], threshold: int = THRESHOLD) -> Disclosed:
    """The table as it may be published: small counts hidden, and hidden counts not recomputable."""
    rows = [[max(int(n), 0) for n in row] for row in counts]
    width = max((len(row) for row in rows), default=0)
    rows = [row + [0] * (width - len(row)) for row in rows]
    marks: dict[tuple[int, int], str] = {
        (r, c): SMALL for r, row in enumerate(rows) for c, n in enumerate(row) if 0 < n < threshold
    }
    lines = [[(r, c) for c in range(width)] for r in range(len(rows))]
    lines += [[(r, c) for r in range(len(rows))] for c in range(width)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if _exposed(line, rows, marks, threshold):
                extra = _smallest_shown(line, rows, marks)
                if extra is not None:
                    marks[extra] = SHIELDED
                    changed = True
    cells: list[list[Cell]] = [
        [marks.get((r, c), n) for c, n in enumerate(row)] for r, row in enumerate(rows)
    ]
    row_totals = [sum(n for n in row if isinstance(n, int)) for row in cells]
    column_totals = [sum(n for row in cells if isinstance(n := row[c], int)) for c in range(width)]
    shielded = sum(1 for mark in marks.values() if mark == SHIELDED)
    return Disclosed(cells, row_totals, column_totals, sum(row_totals), len(marks), shielded)


def bounds(mark: str, threshold: int = THRESHOLD) -> tuple[int, int | None]:
    """What a reader knows of a hidden cell from its mark: the least and the most (None: no upper bound)."""
    return (1, threshold - 1) if mark == SMALL else (threshold, None)


def determined(hidden_sum: int, marks: Sequence[str], threshold: int = THRESHOLD) -> bool:
    """Whether a reader who knows the sum of a line's hidden cells can tell each of them: one cell alone,
    or a sum that only the smallest (or only the largest) values of every cell reach."""
    if len(marks) == 1:
        return True
    ranges = [bounds(mark, threshold) for mark in marks]
    least = sum(low for low, _ in ranges)
    highs = [high for _, high in ranges]
    most = None if None in highs else sum(h for h in highs if h is not None)
    return hidden_sum <= least or (most is not None and hidden_sum >= most)


def _exposed(
    line: list[tuple[int, int]], rows: list[list[int]], marks: dict[tuple[int, int], str], threshold: int
) -> bool:
    hidden = [cell for cell in line if cell in marks]
    if not hidden:
        return False
    return determined(sum(rows[r][c] for r, c in hidden), [marks[cell] for cell in hidden], threshold)


def _smallest_shown(
    line: list[tuple[int, int]], rows: list[list[int]], marks: dict[tuple[int, int], str]
) -> tuple[int, int] | None:
    shown = [(rows[r][c], (r, c)) for r, c in line if (r, c) not in marks and rows[r][c] > 0]
    return min(shown)[1] if shown else None
