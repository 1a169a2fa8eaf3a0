"""Small-cell suppression of the working group's reports, in one place: the figures page, the PDF and the XLSX
show what this module leaves visible and nothing else.

The rule
--------
1. **Primary suppression.** A count of 1–4 families, referrals or answers is shown as «<5» (`PRIMARY`). Zero is
   shown: it identifies nobody. Counts of organisations and of staff are not about families: they are not cells.

2. **Complementary suppression.** Every count a report publishes — in a table, as a headline figure, or inside
   a rate — is a *cell* with a key; two tables that count the same thing use the same key, so they are one cell
   and a «<5» of one table cannot be read off the other. Every relation a reader knows between cells is an
   *equation*: a total and the rows it sums (a column of a table, a breakdown by level or by reason, the weeks
   of the chart), the row and column totals of a cross-table, a coarse status and the fine statuses it groups.
   After primary suppression, as long as some hidden cell can still be worked out

   a. because it is the only hidden cell of an equation (a shown total minus the shown rows), or
   b. because the equations together fix it (exact elimination over the rationals: its value is the same in
      every solution), or
   c. because the bounds fix it: a «<5» is 1–4 and a «…» is at least 5, so «<5» + «…» = 6 leaves only 1 and 5
      (bounds are propagated through the equations and through the rows of their eliminated form, eliminated
      with the unbounded cells first so that the combinations among «<5» cells alone are among those rows),

   one more cell is hidden and shown as «…» (`COMPLEMENTARY`): the smallest shown non-zero cell of an equation
   that holds the exposed cell (a total only when no row is left); when those equations have nothing left to
   hide, the equations that share their hidden cells are searched, and so on. The choice looks two steps ahead,
   so that four cells of a rectangle close the gap rather than a chain of hidden cells across the table. Zero
   is never hidden, so a complementary «…» is at least 5 — which the check in (c) assumes a reader knows.
   When everything non-zero around an exposed cell is hidden already and the bounds still fix it, every hidden
   cell linked to it through equations is shown as «…» alone, which then says only «not zero»: with nothing
   but zeros shown around them, doubling all of them is another solution, so no value is fixed.

3. **Rates and averages.** A percentage is shown only when every count it is computed from is a cell that is
   shown and its denominator is at least 5: a rate of hidden counts would undo the suppression; the rates of a
   row whose count is hidden are hidden with it. An average or a median is shown only when the count of what
   it summarises is a shown cell of at least 5.

4. **Charts** draw shown values only: a hidden week is a gap in the line, marked «<5» or «…»; the report draws
   months instead of weeks when more than a quarter of the non-empty weeks would be hidden.

What is not promised: the checks above are not a full integer-programming audit. A reader who combines every
equation with integer reasoning may narrow a hidden cell to a range; no check above lets one value remain.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction

SMALL_CELL = 5
PRIMARY = "<5"
COMPLEMENTARY = "…"

SHOWN, HIDDEN_PRIMARY, HIDDEN_COMPLEMENTARY, MASKED = "shown", "primary", "complementary", "masked"


def shown(count: int) -> int | str:
    """Primary suppression of a lone count that belongs to no equation (what `Disclosure` does first)."""
    return PRIMARY if 0 < count < SMALL_CELL else count


# -- References resolved after suppression ---------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A published count: resolves to the number, «<5» or «…»."""

    key: Hashable


@dataclass(frozen=True)
class Rate:
    """A percentage sum(numerator) / sum(denominator): resolves to an integer percent or None. `requires`: cells
    that must be shown as well (the row's count: a rate of a hidden row is hidden with it)."""

    numerator: tuple
    denominator: tuple
    requires: tuple = ()


@dataclass(frozen=True)
class Stat:
    """An average or a median of what the cell `key` counts: resolves to the value or None."""

    value: object
    key: Hashable


@dataclass(frozen=True)
class Hidden:
    """Whether the cell `key` is hidden (True/False)."""

    key: Hashable


# -- The cells and equations of one report -------------------------------------------------------------------


class Disclosure:
    """The cells of one report and the equations between them; `suppress()` decides what stays visible."""

    def __init__(self, threshold: int = SMALL_CELL):
        self.threshold = threshold
        self.values: dict[Hashable, int] = {}
        self.state: dict[Hashable, str] = {}
        self.equations: list[dict[Hashable, int]] = []
        self._seen_equations: set = set()
        self.suppressed = False

    # Registering ------------------------------------------------------------------------------------------

    def count(self, key: Hashable, value: int) -> Count:
        """A published count. The same key twice must be the same number: it is the same cell."""
        value = int(value)
        if value < 0:
            raise ValueError(f"a count is never negative: {key!r} = {value}")
        if key in self.values and self.values[key] != value:
            raise ValueError(f"{key!r} counted twice with different values: {self.values[key]} and {value}")
        self.values[key] = value
        return Count(key)

    def total(self, key: Hashable, members: dict | Iterable) -> Count:
        """A total and what it sums: `members` maps keys to values (registered here) or lists registered keys."""
        if isinstance(members, dict):
            for member, value in members.items():
                self.count(member, value)
            members = list(members)
        members = list(members)
        value = sum(self.values[m] for m in members)
        self.count(key, value)
        self.equation(plus=members, minus=[key])
        return Count(key)

    def equation(self, *, plus: Iterable, minus: Iterable) -> None:
        """sum(plus) == sum(minus), between registered cells."""
        coefficients: dict[Hashable, int] = defaultdict(int)
        for key in plus:
            coefficients[key] += 1
        for key in minus:
            coefficients[key] -= 1
        coefficients = {k: c for k, c in coefficients.items() if c}
        if not coefficients:
            return
        if any(abs(c) != 1 for c in coefficients.values()):
            raise ValueError("equations of counts have coefficients +1 and -1 only")
        if sum(c * self.values[k] for k, c in coefficients.items()) != 0:
            raise ValueError(f"the equation does not hold: {coefficients!r}")
        signature = frozenset(coefficients.items())
        if signature in self._seen_equations or frozenset((k, -c) for k, c in coefficients.items()) in (
            self._seen_equations
        ):
            return
        self._seen_equations.add(signature)
        self.equations.append(coefficients)

    # Deciding ---------------------------------------------------------------------------------------------

    def suppress(self) -> Disclosure:
        """Primary, then complementary suppression until no hidden cell can be worked out (see the module)."""
        for key, value in self.values.items():
            self.state[key] = HIDDEN_PRIMARY if 0 < value < self.threshold else SHOWN
        self._by_key = defaultdict(list)
        for index, equation in enumerate(self.equations):
            for key in equation:
                self._by_key[key].append(index)
        self._order = {key: index for index, key in enumerate(self.values)}
        for _ in range(len(self.values) + 1):
            exposed = self._single_hidden() or self._exposed()
            if not exposed:
                break
            if not any(self._hide_next_to(key, around) for key, around in exposed):
                # Every non-zero cell around them is hidden, yet «<5» (1–4) and «…» (5 or more) still pin one:
                # the whole group of linked hidden cells is shown as «…» alone, which says only «not zero».
                for key, _around in exposed:
                    self._mask(key)
        self.suppressed = True
        return self

    def hidden(self, key: Hashable) -> bool:
        return self.state.get(key, SHOWN) != SHOWN

    def show(self, key: Hashable) -> int | str:
        if not self.suppressed:
            raise RuntimeError("suppress() first")
        state = self.state[key]
        if state == HIDDEN_PRIMARY:
            return PRIMARY
        if state in (HIDDEN_COMPLEMENTARY, MASKED):
            return COMPLEMENTARY
        return self.values[key]

    def resolve(self, obj):
        """The object with every reference replaced by what may be shown."""
        if isinstance(obj, Count):
            return self.show(obj.key)
        if isinstance(obj, Hidden):
            return self.hidden(obj.key)
        if isinstance(obj, Rate):
            keys = (*obj.numerator, *obj.denominator, *obj.requires)
            if any(key not in self.values or self.hidden(key) for key in keys):
                return None
            denominator = sum(self.values[key] for key in obj.denominator)
            if denominator < self.threshold:
                return None
            return round(100 * sum(self.values[key] for key in obj.numerator) / denominator)
        if isinstance(obj, Stat):
            if obj.key not in self.values or self.hidden(obj.key) or self.values[obj.key] < self.threshold:
                return None
            return obj.value
        if isinstance(obj, dict):
            return {name: self.resolve(value) for name, value in obj.items()}
        if isinstance(obj, list):
            return [self.resolve(value) for value in obj]
        if isinstance(obj, tuple):
            return tuple(self.resolve(value) for value in obj)
        return obj

    # The checks -------------------------------------------------------------------------------------------

    def _hidden_keys(self) -> list:
        return [key for key in self.values if self.state[key] != SHOWN]

    def _single_hidden(self) -> list:
        """(a) Cells that are the only hidden cell of an equation: a shown total minus the shown rows."""
        exposed = []
        for index, equation in enumerate(self.equations):
            hidden = [key for key in equation if self.state[key] != SHOWN]
            if len(hidden) == 1:
                exposed.append((hidden[0], [index]))
        return exposed

    def _exposed(self) -> list:
        """(b) and (c): hidden cells that elimination or bounds fix to one value."""
        # The cells bounded above («<5») last: in the echelon form the rows that lead with one of them hold only
        # such cells, so bounds propagate through every combination of equations in which the unbounded cancel
        # (three «<5» that must sum to 12 are 4 each, however many equations that takes).
        hidden = sorted(self._hidden_keys(), key=lambda key: self.state[key] == HIDDEN_PRIMARY)
        if not hidden:
            return []
        index = {key: i for i, key in enumerate(hidden)}
        rows = []
        for equation in self.equations:
            row = {index[k]: Fraction(c) for k, c in equation.items() if k in index}
            if not row:
                continue
            constant = -sum(c * self.values[k] for k, c in equation.items() if k not in index)
            rows.append((row, Fraction(constant)))
        reduced, pivots = _eliminate(rows)
        exposed = [(hidden[column], None) for column, row in pivots.items() if len(reduced[row][0]) == 1]
        if exposed:
            return exposed
        low, high = self._bounds(hidden)
        for _ in range(50):
            if not _propagate(rows + reduced, low, high):
                break
        return [(key, None) for i, key in enumerate(hidden) if low[i] == high[i]]

    def _bounds(self, hidden: list) -> tuple[list, list]:
        low, high = [], []
        for key in hidden:
            if self.state[key] == HIDDEN_PRIMARY:
                low.append(Fraction(1))
                high.append(Fraction(self.threshold - 1))
            elif self.state[key] == MASKED:
                low.append(Fraction(1))
                high.append(math.inf)
            else:
                low.append(Fraction(self.threshold))
                high.append(math.inf)
        return low, high

    def _hide_next_to(self, key: Hashable, around: list | None = None) -> bool:
        """Hide the smallest shown non-zero cell of the equation that exposes `key` (or of every equation that
        holds it), searching outwards through the equations that share hidden cells with them."""
        seen_equations: set[int] = set()
        frontier = list(around if around is not None else self._by_key.get(key, []))
        while frontier:
            seen_equations.update(frontier)
            candidates = {
                member
                for index in frontier
                for member in self.equations[index]
                if self.state[member] == SHOWN and self.values[member] > 0
            }
            if candidates:
                choice = min(candidates, key=lambda m: (self._cost(m, frozenset(), LOOKAHEAD), self._order[m]))
                self.state[choice] = HIDDEN_COMPLEMENTARY
                return True
            following = set()
            for index in frontier:
                for member in self.equations[index]:
                    if self.state[member] != SHOWN:
                        following.update(self._by_key[member])
            frontier = sorted(following - seen_equations)
        return False

    def _mask(self, key: Hashable) -> None:
        """Show every hidden cell linked to `key` through equations as «…» (not zero, nothing more)."""
        stack, seen = [key], {key}
        while stack:
            current = stack.pop()
            if self.state[current] != SHOWN:
                self.state[current] = MASKED
            for index in self._by_key.get(current, []):
                for member in self.equations[index]:
                    if member not in seen and self.state[member] != SHOWN:
                        seen.add(member)
                        stack.append(member)

    def _cost(self, candidate: Hashable, also_hidden: frozenset, depth: int) -> float:
        """What hiding `candidate` costs: its value, plus what fixing the equations it would leave with a single
        hidden cell costs, looked ahead `depth` steps (so that a rectangle of four cells closes instead of a
        chain of hidden cells running across the table)."""
        cost = self.values[candidate]
        also_hidden = also_hidden | {candidate}
        for index in self._by_key[candidate]:
            members = self.equations[index]
            if sum(1 for m in members if self.state[m] != SHOWN or m in also_hidden) != 1:
                continue
            options = [m for m in members if self.state[m] == SHOWN and m not in also_hidden and self.values[m] > 0]
            if not options:
                cost += 10 * self.values[candidate] + 1_000
            elif depth == 0:
                cost += min(self.values[m] for m in options)
            else:
                cost += min(self._cost(m, also_hidden, depth - 1) for m in options)
        return cost


LOOKAHEAD = 2


def _eliminate(rows: list[tuple[dict, Fraction]]) -> tuple[list, dict]:
    """Reduced row echelon form of sparse rows {column: coefficient} = constant; pivots map column -> row."""
    reduced: list[tuple[dict, Fraction]] = []
    pivots: dict[int, int] = {}
    for row, constant in rows:
        row, constant = dict(row), constant
        for column, at in pivots.items():
            if column in row:
                factor = row[column]
                pivot_row, pivot_constant = reduced[at]
                for c, v in pivot_row.items():
                    value = row.get(c, 0) - factor * v
                    if value:
                        row[c] = value
                    else:
                        row.pop(c, None)
                constant -= factor * pivot_constant
        if not row:
            continue
        column = min(row)
        factor = row[column]
        row = {c: v / factor for c, v in row.items()}
        constant /= factor
        for at, (other, other_constant) in enumerate(reduced):
            if column in other:
                f = other[column]
                for c, v in row.items():
                    value = other.get(c, 0) - f * v
                    if value:
                        other[c] = value
                    else:
                        other.pop(c, None)
                reduced[at] = (other, other_constant - f * constant)
        pivots[column] = len(reduced)
        reduced.append((row, constant))
    return reduced, pivots


def _propagate(rows: list[tuple[dict, Fraction]], low: list, high: list) -> bool:
    """One round of bounds propagation through sum(c * x) = constant over integers; True if a bound moved."""
    changed = False
    for row, constant in rows:
        # The sum's bounds, with its infinite parts counted apart so that one variable can be taken out.
        finite_low, finite_high, infinite_low, infinite_high = Fraction(0), Fraction(0), 0, 0
        terms = {}
        for column, c in row.items():
            a, b = (c * low[column], c * high[column]) if c > 0 else (c * high[column], c * low[column])
            terms[column] = (a, b)
            if a == -math.inf:
                infinite_low += 1
            else:
                finite_low += a
            if b == math.inf:
                infinite_high += 1
            else:
                finite_high += b
        for column, c in row.items():
            a, b = terms[column]
            rest_low = -math.inf if infinite_low - (a == -math.inf) else finite_low - (0 if a == -math.inf else a)
            rest_high = math.inf if infinite_high - (b == math.inf) else finite_high - (0 if b == math.inf else b)
            # c * x = constant - rest
            lower, upper = constant - rest_high, constant - rest_low
            if c < 0:
                lower, upper = upper, lower
            if lower not in (math.inf, -math.inf):
                bound = Fraction(math.ceil(Fraction(lower) / c))
                if bound > low[column]:
                    low[column], changed = bound, True
            if upper not in (math.inf, -math.inf):
                bound = Fraction(math.floor(Fraction(upper) / c))
                if bound < high[column]:
                    high[column], changed = bound, True
    return changed
