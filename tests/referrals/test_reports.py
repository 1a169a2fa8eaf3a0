"""The working group's reports (issue 21, point 7): the §15.1 indicators per period, the periods and their due
dates, suppression that cannot be undone (a property test over random tables), and the page, the PDF and the
XLSX showing nothing that was hidden; only the roles of the rule «reports.view» see them."""

import datetime
import io
import itertools
from fractions import Fraction
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from referrals import reports
from referrals.disclosure import COMPLEMENTARY, PRIMARY, Disclosure
from referrals.models import FamilyCase, LevelChange, Referral

from .conftest import cabinet_login

HIDDEN = {PRIMARY, COMPLEMENTARY}
ALL_CODES = {
    *(f"A{n}" for n in range(1, 6)),
    *(f"B{n}" for n in range(1, 12)),
    *(f"C{n}" for n in range(1, 5)),
    *(f"D{n}" for n in range(1, 6)),
}
NOT_RECORDED = {"A2", "A5", "C3", "D1", "D2", "D3", "D4"}


# -- Periods ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "part", "start", "end", "due", "title"),
    [
        ("quarter", 1, "2025-01-01", "2025-03-31", "2025-04-10", "за 1 квартал 2025 года"),
        ("quarter", 4, "2025-10-01", "2025-12-31", "2026-01-10", "за 4 квартал 2025 года"),
        ("half_year", 1, "2025-01-01", "2025-06-30", "2025-07-10", "за 1 полугодие 2025 года"),
        ("half_year", 2, "2025-07-01", "2025-12-31", "2026-01-10", "за 2 полугодие 2025 года"),
        ("year", 1, "2025-01-01", "2025-12-31", "2026-01-10", "за 2025 год"),
    ],
)
def test_periods_their_bounds_and_due_dates(kind, part, start, end, due, title):
    period = reports.Period(kind, 2025, part)
    assert (period.start.isoformat(), period.end.isoformat(), period.due.isoformat()) == (start, end, due)
    assert period.title == f"Анализ сопровождения семей {title}"
    assert reports.Period.from_query({"period": kind, "year": "2025", "part": str(part)}, datetime.date(2030, 1, 1))
    assert period.shifted(1).shifted(-1) == period and period.shifted(1).start == period.end + datetime.timedelta(1)


def test_period_from_a_query_falls_back_to_the_period_of_today():
    today = datetime.date(2026, 8, 20)
    assert reports.Period.from_query({}, today) == reports.Period("quarter", 2026, 3)
    assert reports.Period.from_query({"period": "half_year"}, today) == reports.Period("half_year", 2026, 2)
    assert reports.Period.from_query({"period": "year", "year": "2024"}, today) == reports.Period("year", 2024, 1)
    bad = {"period": "month", "year": "x", "part": "9"}
    assert reports.Period.from_query(bad, today) == reports.Period("quarter", 2026, 3)
    assert reports.Period.from_query({"date": "2025-02-03"}, today) == reports.Period("quarter", 2025, 1)


# -- The indicators of each period, computed by hand -------------------------------------------------------------


def make_case(network, number, *, registered, level="basic", categories=(), circumstances=(), **fields):
    base = network.case
    return FamilyCase.objects.create(
        organization=base.organization,
        curator=base.curator,
        district=base.district,
        registration_number=f"R-{number}",
        registration_date=registered,
        ground="application",
        support_level=level,
        categories=list(categories),
        circumstances=list(circumstances),
        status=fields.pop("status", "on_support"),
        contract_number=f"Д-{number}",
        contract_date=registered,
        **fields,
    )


def make_referral(network, case, sent, *, organization=None, status="sent", **fields):
    return Referral.objects.create(
        case=case,
        category=network.category,
        organization=organization or network.partner,
        created_by=network.users["curator"],
        status=status,
        sent_at=timezone.make_aware(datetime.datetime.combine(sent, datetime.time(12))),
        **fields,
    )


@pytest.fixture
def year_2025(network):
    """Families and referrals of 2025: 7 accepted in the first quarter (5 basic, 2 crisis), 6 closed in the
    second (5 with the goal reached, 1 refused), 2 moved to another level in the second; 12 referrals in the
    first quarter (10 to the partner, 2 to the other one)."""
    cases = [
        make_case(network, n, registered=datetime.date(2025, 1, 10 + n), level="basic" if n < 5 else "crisis")
        for n in range(7)
    ]
    cases[0].categories = ["social_danger"]
    cases[0].save()
    for case, reason in zip(cases[:6], ["goal_reached"] * 5 + ["family_refused"], strict=True):
        case.closed_on = datetime.date(2025, 5, 5)
        case.closure_reason = reason
        case.status = "post_support" if reason == "goal_reached" else "closed"
        case.removed_on = None if reason == "goal_reached" else case.closed_on
        case.post_support_until = datetime.date(2025, 8, 5) if reason == "goal_reached" else None
        case.save()
    for case in cases[5:7]:
        LevelChange.objects.create(
            case=case, from_level="crisis", to_level="basic", changed_on=datetime.date(2025, 4, 2)
        )
    for n in range(10):
        make_referral(network, cases[6], datetime.date(2025, 2, 3 + n), status="declined" if n < 5 else "accepted")
    for n in range(2):
        make_referral(network, cases[6], datetime.date(2025, 3, 3 + n), organization=network.other_partner)
    return cases


def by_code(report):
    return {item["code"]: item for group in report["groups"] for item in group["items"]}


@pytest.mark.parametrize("kind", ["quarter", "half_year", "year"])
def test_each_period_has_every_indicator_and_says_which_are_not_recorded(network, year_2025, kind):
    report = reports.build_report(reports.Period(kind, 2025, 1))
    items = by_code(report)
    assert set(items) == ALL_CODES
    assert [group["code"] for group in report["groups"]] == ["A", "B", "C", "D"]
    assert {code for code, item in items.items() if not item["recorded"]} == NOT_RECORDED
    assert {item["code"] for item in report["not_recorded"]} == NOT_RECORDED
    for code in NOT_RECORDED:
        assert items[code]["reason"] and items[code]["value"] is None
    assert report["due"] == reports.tenth_of_next_month(report["end"])


def assert_breakdown(item, truth: dict, total: int, table=0):
    """A breakdown as published: each shown row and the shown total exact, small rows «<5», and never exactly
    one hidden cell among the rows and their total (which the others would give away)."""
    rows = {row[0]: row[1] for row in item["tables"][table]["rows"]}
    published = {**rows, "total": item["value"]}
    for label, value in {**truth, "total": total}.items():
        shown = published.get(label, 0)
        if 0 < value < 5:
            assert shown == PRIMARY, (label, shown)
        else:
            assert shown in (value, COMPLEMENTARY), (label, shown, value)
    assert sum(1 for value in published.values() if value in HIDDEN) != 1, published


def test_indicators_counted_by_hand(network, year_2025):
    first = by_code(reports.build_report(reports.Period("quarter", 2025, 1)))
    assert_breakdown(first["B1"], {"базовый (профилактический)": 5, "кризисный": 2}, 7)
    partners = {row[0]: row[1] for row in first["B8"]["tables"][0]["rows"]}
    assert partners[network.other_partner.display_name] == PRIMARY
    # 12 − 10 would give the «<5» away: the partner's 10 or the total of 12 is hidden as well.
    assert COMPLEMENTARY in (partners[network.partner.display_name], first["B7"]["value"])
    assert first["B7"]["value"] in (12, COMPLEMENTARY)

    second = by_code(reports.build_report(reports.Period("quarter", 2025, 2)))
    assert_breakdown(second["B4"], {"цель достигнута, проблема решена": 5, "отказ семьи": 1}, 6)
    assert second["B5"]["value"] in (5, COMPLEMENTARY)
    assert second["B5"]["figures"][0]["value"] in (None, round(100 * 5 / 6))
    if second["B4"]["value"] == COMPLEMENTARY:
        assert second["B5"]["figures"][0]["value"] is None  # a rate of a hidden count is hidden too
    assert_breakdown(second["B3"], {"базовый (профилактический)": 2}, 2)
    assert second["B2"]["figures"][0]["value"] == 5  # in post-support at the end of June
    assert second["B2"]["value"] == PRIMARY  # the seventh family is still on support
    assert second["C1"]["value"] == 1 and second["D5"]["value"] == 1

    year = by_code(reports.build_report(reports.Period("year", 2025, 1)))
    assert_breakdown(year["B1"], {"базовый (профилактический)": 5, "кризисный": 2}, 7)
    assert_breakdown(year["B4"], {"цель достигнута, проблема решена": 5, "отказ семьи": 1}, 6)
    a3 = {f["label"]: f["value"] for f in year["A3"]["figures"]}
    assert a3 == {
        "на сопровождении на начало периода": 0,
        "на сопровождении на конец периода": 0,
        "сопровождение прекращено в периоде с положительным результатом": PRIMARY,
    }


def test_a_region_without_the_category_does_not_record_the_indicator(network, monkeypatch):
    from referrals import profiles

    tatarstan = profiles.shipped_rules("tatarstan")
    monkeypatch.setattr(profiles, "in_force", lambda day=None: tatarstan)
    report = reports.build_report(reports.Period("quarter", 2025, 1))
    items = by_code(report)
    assert not items["A3"]["recorded"] and "социально опасное" in items["A3"]["reason"]
    assert items["A1"]["recorded"]  # «имеющая намерение отказаться от ребёнка» is in Tatarstan's list
    assert "half_year" in tatarstan.reporting_periods


# -- Suppression that cannot be undone: a property test over random tables ---------------------------------------

COUNTS = st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 30])


def table_disclosure(cells):
    """A table with its row totals, column totals and grand total, as a report registers one."""
    d = Disclosure()
    rows, columns = len(cells), len(cells[0])
    for i in range(rows):
        d.total(("row", i), {(i, j): cells[i][j] for j in range(columns)})
    for j in range(columns):
        d.total(("column", j), [(i, j) for i in range(rows)])
    d.total("all", [("row", i) for i in range(rows)])
    d.equation(plus=[("column", j) for j in range(columns)], minus=["all"])
    return d.suppress()


def rref(matrix):
    """Reduced row echelon form over the rationals (dense, written apart from the module under test)."""
    matrix = [[Fraction(v) for v in row] for row in matrix]
    pivots, r = [], 0
    width = len(matrix[0]) - 1 if matrix else 0
    for c in range(width):
        p = next((i for i in range(r, len(matrix)) if matrix[i][c] != 0), None)
        if p is None:
            continue
        matrix[r], matrix[p] = matrix[p], matrix[r]
        matrix[r] = [v / matrix[r][c] for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c] != 0:
                matrix[i] = [a - matrix[i][c] * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(c)
        r += 1
    return matrix[:r], pivots


def published(d, key):
    return d.show(key)


def solutions(d, hidden, cap):
    """Every integer filling of the hidden cells that agrees with what is published (each «<5» 1–4, each «…» at
    least 1) and with every equation; None when there are too many to enumerate."""
    index = {key: n for n, key in enumerate(hidden)}
    matrix = []
    for equation in d.equations:
        row = [0] * (len(hidden) + 1)
        for key, c in equation.items():
            if key in index:
                row[index[key]] += c
            else:
                row[-1] -= c * published(d, key)
        if any(row[:-1]):
            matrix.append(row)
    reduced, pivots = rref(matrix) if matrix else ([], [])
    free = [n for n in range(len(hidden)) if n not in pivots]

    def domain(n):
        return range(1, 5) if published(d, hidden[n]) == PRIMARY else range(1, cap + 1)

    size = 1
    for n in free:
        size *= len(domain(n))
    if size > 200_000:
        return None
    found = []
    for values in itertools.product(*(domain(n) for n in free)):
        x = dict(zip(free, values, strict=True))
        for row, column in zip(reduced, pivots, strict=True):
            value = row[-1] - sum(row[f] * x[f] for f in free)
            if value.denominator != 1 or int(value) not in domain(column):
                break
            x[column] = int(value)
        else:
            if all(sum(row[n] * x[n] for n in range(len(hidden))) == row[-1] for row in matrix):
                found.append(x)
    return found


TABLES = st.tuples(st.integers(1, 3), st.integers(2, 3)).flatmap(
    lambda shape: st.lists(st.lists(COUNTS, min_size=shape[1], max_size=shape[1]), min_size=shape[0], max_size=shape[0])
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TABLES)
@example([[1, 5], [5, 1]])  # «<5» + «…» = 6 would pin 1 and 5: everything is shown as «…»
@example([[1, 1], [3, 2], [0, 1]])  # bounds through rows and columns at once
@example([[3, 10, 12], [7, 0, 20], [8, 9, 30]])  # a rectangle closes, not a chain across the table
@example([[4, 7, 4], [7, 7, 4], [0, 12, 4]])  # three «<5» that must sum to 12, through four equations
def test_no_suppressed_cell_can_be_worked_out(cells):
    d = table_disclosure(cells)
    # Shown cells are exact, zero is shown, no count of 1–4 is shown.
    for key, value in d.values.items():
        shown = d.show(key)
        assert shown in HIDDEN or shown == value
        assert value != 0 or shown == 0
        assert not (0 < value < 5) or shown in HIDDEN  # «…» when bounds alone would pin it (see the module)
    # No row or column (or the totals) has exactly one hidden cell: subtraction gives nothing away.
    for equation in d.equations:
        assert sum(1 for key in equation if d.hidden(key)) != 1, (cells, equation)
    hidden = [key for key in d.values if d.hidden(key)]
    if not hidden:
        return
    # Every integer solution consistent with what is published: each hidden cell takes at least two values.
    truth = {n: d.values[key] for n, key in enumerate(hidden)}
    found = solutions(d, hidden, cap=2 * d.values["all"] + 10)
    if found is None:
        return
    assert truth in found
    for n, key in enumerate(hidden):
        assert len({x[n] for x in found}) >= 2, (cells, key, d.values[key])


@settings(max_examples=150, deadline=None)
@given(st.lists(COUNTS, min_size=1, max_size=8))
def test_a_breakdown_and_its_total_never_give_away_a_small_cell(counts):
    d = Disclosure()
    d.total("total", {n: value for n, value in enumerate(counts)})
    d.suppress()
    shown = [d.show(n) for n in range(len(counts))]
    if d.show("total") not in HIDDEN:
        assert sum(1 for value in shown if value in HIDDEN) != 1
        hidden_sum = d.values["total"] - sum(v for v in shown if v not in HIDDEN)
        primaries = sum(1 for v in shown if v == PRIMARY)
        others = sum(1 for v in shown if v == COMPLEMENTARY)
        # The hidden cells' sum does not pin them: not all ones, not all fours with nothing else hidden.
        if primaries and not others:
            assert primaries < hidden_sum < 4 * primaries
    assert all(v not in (1, 2, 3, 4) for v in shown)


def test_rates_are_shown_only_from_shown_counts_of_at_least_five():
    d = Disclosure()
    d.total("all", {"yes": 3, "no": 9})
    d.total("big", {"big-yes": 10, "big-no": 10})
    d.suppress()
    from referrals.disclosure import Rate, Stat

    assert d.resolve(Rate(("yes",), ("all",))) is None
    assert d.resolve(Rate(("big-yes",), ("big",))) == 50
    assert d.resolve(Stat(4.5, "all")) in (4.5, None)
    tiny = Disclosure()
    tiny.total("n", {"a": 0, "b": 4})
    tiny.suppress()
    assert tiny.resolve(Rate(("a",), ("n",))) is None  # a denominator under 5


# -- The page, the PDF and the XLSX show nothing that was hidden --------------------------------------------------


class Tables(HTMLParser):
    """Every table of a page: rows of cell texts, the row totals' column and the total row marked."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row, self._section = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"id": dict(attrs).get("id"), "head": [], "rows": [], "total": None})
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            table = self.tables[-1]
            if self._section == "thead":
                table["head"] = self._row
            elif self._section == "tfoot":
                table["total"] = self._row
            else:
                table["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def number(text):
    text = str(text).replace("\xa0", "").replace(" ", "")
    return int(text) if text.isdigit() else None


def assert_cross_table_safe(head, rows, total):
    """In a table with a «Всего» column and a total row, no row or column has exactly one hidden cell beside a
    shown total (else the total minus the shown cells gives it away)."""
    assert head[-1] == "Всего"
    for row in [*rows, total]:
        if str(row[-1]) not in HIDDEN:
            assert sum(1 for cell in row[1:-1] if str(cell) in HIDDEN) != 1, row
    for column in range(1, len(head)):
        if str(total[column]) not in HIDDEN:
            assert sum(1 for row in rows if str(row[column]) in HIDDEN) != 1, (head[column], rows)


@pytest.fixture
def small_cells(network):
    """This quarter: 12 referrals to the partner (7 accepted, 5 declined), 3 to the other partner."""
    today = timezone.localdate()
    start = reports.Period.containing("quarter", today).start
    for n in range(12):
        make_referral(network, network.case, start, status="accepted" if n < 7 else "declined")
    for _ in range(3):
        make_referral(network, network.case, start, organization=network.other_partner)
    return network


def test_the_page_shows_no_hidden_value(client, small_cells):
    network = small_cells
    cabinet_login(client, network.users["coordinator"])
    response = client.get(reverse("referrals:figures"))
    assert response.status_code == 200
    html = response.content.decode()
    parser = Tables()
    parser.feed(html)
    outcomes = next(t for t in parser.tables if t["head"] and t["head"][0] == "Вид помощи")
    assert_cross_table_safe(outcomes["head"], outcomes["rows"], outcomes["total"])
    partners = next(t for t in parser.tables if t["head"][:2] == ["Организация", "Направлений"])
    other = next(row for row in partners["rows"] if row[0] == network.other_partner.display_name)
    assert other[1] == "<5" and set(other[2:]) == {"—"}
    mine = next(row for row in partners["rows"] if row[0] == network.partner.display_name)
    report = response.context["report"]
    assert "…" in (mine[1], str(report["referrals"]["total"]))  # 15 − 12 would give the «<5» away
    # The line: no count of 1–4 anywhere, hidden points drawn as a gap with their symbol.
    series = next(t for t in parser.tables if t["id"] == "referrals-by-week")
    for cell in series["rows"][0]:
        assert cell in HIDDEN or number(cell) == 0 or number(cell) >= 5
    assert html.count("<circle") == sum(1 for cell in series["rows"][0] if cell not in HIDDEN)
    # Every published count in every table is 0, at least 5, or hidden (percent and day columns aside).
    for table in parser.tables:
        for row in table["rows"]:
            for head, cell in zip(table["head"][1:], row[1:], strict=False):
                if any(word in head for word in ("%", "дней", "оценка", "Поисков", "Организаций")):
                    continue
                assert cell in HIDDEN or cell == "—" or number(cell) is None or not 0 < number(cell) < 5, (head, row)


def test_the_pdf_and_the_xlsx_show_nothing_hidden(client, small_cells):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    network = small_cells
    cabinet_login(client, network.users["coordinator"])
    for kind in ("quarter", "half_year", "year"):
        period = reports.Period.containing(kind, timezone.localdate())
        report = reports.build_report(period)
        response = client.get(
            reverse("referrals:figures"), {"period": kind, "year": period.year, "part": period.part, "format": "pdf"}
        )
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert response["Content-Disposition"].endswith(f'analysis-{period.slug}.pdf"')
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
        assert report["title"] in text
        assert f"{network.other_partner.display_name} <5" in text
        assert f"{network.other_partner.display_name} 3" not in text
        for code in NOT_RECORDED:
            assert f"{code}." in text
        assert text.count("не учитывается в системе") >= len(NOT_RECORDED)

        response = client.get(
            reverse("referrals:figures"), {"period": kind, "year": period.year, "part": period.part, "format": "xlsx"}
        )
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
        workbook = load_workbook(io.BytesIO(response.content))
        partners = {row[0]: row for row in workbook["Партнёры"].iter_rows(min_row=2, values_only=True)}
        assert partners[network.other_partner.display_name][1] == "<5"
        assert "…" in (partners[network.partner.display_name][1], workbook["Итоги"]["B5"].value)
        sheet = list(workbook["Таблицы"].iter_rows(values_only=True))
        start = next(n for n, row in enumerate(sheet) if row[0] and str(row[0]).startswith("B7."))
        head = [c for c in sheet[start + 1] if c is not None]
        body = []
        for row in sheet[start + 2 :]:
            if not any(cell is not None for cell in row):
                break
            body.append(list(row[: len(head)]))
        assert_cross_table_safe(head, body[:-1], body[-1])
        for row in workbook["Партнёры"].iter_rows(min_row=2, values_only=True):
            assert not (isinstance(row[1], int) and 0 < row[1] < 5)


# -- Who sees the reports ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("coordinator", True),
        ("head", True),
        ("admin", True),
        ("curator", False),
        ("intake", False),
        ("specialist", False),
    ],
)
def test_only_the_roles_of_reports_view_see_the_reports(client, network, role, allowed):
    cabinet_login(client, network.users[role])
    for query in ({}, {"period": "half_year"}, {"period": "year", "format": "pdf"}, {"format": "xlsx"}):
        response = client.get(reverse("referrals:figures"), query)
        if allowed:
            assert response.status_code == 200, (role, query)
        else:
            assert response.status_code in (403, 404), (role, query)
            assert b"%PDF" not in response.content[:10]
