"""The new-case form posted as a browser posts it: every field of the rendered form with its default value, the
curator filling in the case and one family member only (issue 21, point 9)."""

from html.parser import HTMLParser

from django.urls import reverse
from django.utils import timezone

from referrals.models import FamilyCase

from .conftest import cabinet_login


class FormFields(HTMLParser):
    """The successful controls of the page's POST form that has no `action` (it posts to the page itself, unlike the
    header's sign-out form), as a browser submits them untouched: inputs with their value, checked boxes, each
    select's selected (or first) option."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.select: str | None = None
        self.select_value: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post" and not attrs.get("action"):
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            else:
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select, self.select_value = name, None
        elif tag == "option" and self.select:
            if self.select_value is None or "selected" in attrs:
                self.select_value = attrs.get("value", "")
                if "selected" in attrs:
                    self.fields[self.select] = self.select_value
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            self.fields.setdefault(self.select, self.select_value or "")
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form = False

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def rendered_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def test_a_case_with_one_member_saves_and_the_empty_rows_are_ignored(client, network):
    cabinet_login(client, network.users["curator"])
    url = reverse("referrals:case_new")
    fields = rendered_fields(client.get(url).content.decode())
    assert int(fields["members-TOTAL_FORMS"]) >= 2, "the form offers rows for more members"
    assert fields["members-1-relation"] == "", "an empty row preselects no relation"
    fields.update(
        {
            "registration_number": "B-1",
            "registration_date": timezone.localdate().isoformat(),
            "ground": "application",
            "district": str(network.case.district_id),
            "support_level": "basic",
            "members-0-full_name": "Новикова Анна",
            "members-0-relation": "mother",
        }
    )
    response = client.post(url, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = FamilyCase.objects.get(registration_number="B-1")
    assert [member.full_name for member in case.members.all()] == ["Новикова Анна"]


def test_a_filled_row_without_a_relation_is_refused_with_the_field_named(client, network):
    cabinet_login(client, network.users["curator"])
    url = reverse("referrals:case_new")
    fields = rendered_fields(client.get(url).content.decode())
    fields.update(
        {
            "registration_number": "B-2",
            "registration_date": timezone.localdate().isoformat(),
            "ground": "application",
            "district": str(network.case.district_id),
            "support_level": "basic",
            "members-0-full_name": "Новикова Анна",
        }
    )
    response = client.post(url, fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Требуется заполнить это поле." in html
    assert not FamilyCase.objects.filter(registration_number="B-2").exists()
