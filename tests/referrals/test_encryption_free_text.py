"""Every personal free text and the sensitive codes of a case are encrypted at rest (issue 23, point 6).

One story through the public request form and every workspace form that stores text about a family, each posted as
a browser posts it (the page is fetched, its form's fields are read and filled in): a marker string goes into every
text field, and the codes `refusal_intent` and `medical_need` into the case. Then the raw database (the SQLite dump,
`pg_dump` on PostgreSQL) must hold the marker nowhere — neither as text nor as the hex of a binary column — and the
case row must not hold the codes; the cabinet pages still show every value decrypted.
"""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from referrals import crypto, profiles, services
from referrals.codes import Decision
from referrals.models import (
    AgendaItem,
    Attachment,
    CaseloadOverride,
    Consent,
    FamilyCase,
    FamilyMember,
    HelpRequest,
    HousingInspection,
    Measure,
    Message,
    PostSupportNote,
    Referral,
    ReferralEvent,
    SupportTermChange,
)

from .conftest import SEND, cabinet_login
from .test_consilium import decide_through_page, meeting_of, rendered_form, second_case
from .test_encryption import raw_database_text

MARKER = "МАРКЕР-ПДН-7f3a"
CODES = ("refusal_intent", "medical_need")


def mark(what: str) -> str:
    return f"{MARKER} {what}"


def submit(client, page_url, values=None, *, action=None, files=None, query=None, button=None):
    """Fetch the page, take the POST form posting to `action` (None: to the page itself) with the fields as the
    browser has them, fill in `values` and post it where the form posts (with the pressed `button`'s name)."""
    response = client.get(page_url, query or {})
    assert response.status_code == 200, (page_url, response.status_code)
    form = rendered_form(response.content.decode(), action)
    missing = [name for name in values or {} if name not in form.fields and name not in form.options]
    assert not missing, f"{page_url}: no field {missing} in {sorted(form.fields)}"
    data = {**form.fields, **(values or {}), **(files or {}), **(button or {})}
    target = action or (page_url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""))
    return client.post(target, data)


def redirected(response) -> str:
    assert response.status_code == 302, response.content.decode()[:3000]
    return response.url


def act(client, referral, action, values):
    url = reverse("referrals:referral_act", args=[referral.uuid, action])
    redirected(submit(client, reverse("referrals:referral", args=[referral.uuid]), values, action=url))
    referral.refresh_from_db()


@pytest.mark.django_db(transaction=True)
def test_no_personal_free_text_or_sensitive_code_in_the_raw_database(client, network):
    cache.clear()  # the public form's rate limit
    today = timezone.localdate()
    curator, head, intake = network.users["curator"], network.users["head"], network.users["intake"]
    try:
        _write_everything(client, network, today, curator, head, intake)
        _check_every_field_holds_the_marker()
        _check_the_raw_database()
        _check_the_pages_show_it_decrypted(client, network, curator, head, intake)
    finally:
        profiles.clear_cache()  # the imported profiles go with the flushed tables; the process cache must go too


def _write_everything(client, network, today, curator, head, intake):
    # The public request form (no sign-in).
    redirected(
        submit(
            client,
            reverse("help_request"),
            {
                "name": mark("обращение: имя"),
                "phone": "+7 913 777-00-11",
                "district": str(network.case.district_id),
                "message": mark("обращение: что случилось"),
                "consent": "on",
            },
        )
    )

    # A new case with the sensitive codes, edited once.
    cabinet_login(client, curator)
    redirected(
        submit(
            client,
            reverse("referrals:case_new"),
            {
                "registration_number": "M-1",
                "registration_date": today.isoformat(),
                "ground": "application",
                "district": str(network.case.district_id),
                "categories": [CODES[0]],
                "circumstances": [CODES[1]],
                "support_level": "crisis",
                "contract_number": "Д-М1",
                "contract_date": today.isoformat(),
                "address": mark("адрес семьи"),
                "narrative": mark("описание ситуации"),
                "members-0-full_name": mark("ФИО матери"),
                "members-0-relation": "mother",
                "members-0-phone": "+7 913 777-00-12",
                "members-0-address": mark("адрес матери"),
            },
        )
    )
    case = FamilyCase.objects.get(registration_number="M-1")
    redirected(
        submit(
            client,
            reverse("referrals:case_edit", args=[case.uuid]),
            {"narrative": mark("описание ситуации, правка"), "categories": [CODES[0]], "circumstances": [CODES[1]]},
        )
    )
    # The edit form shows the codes decrypted (checked boxes).
    form = rendered_form(client.get(reverse("referrals:case_edit", args=[case.uuid])).content.decode())
    assert (form.fields.get("categories"), form.fields.get("circumstances")) == CODES
    redirected(
        submit(
            client,
            reverse("referrals:member_new", args=[case.uuid]),
            {"full_name": mark("ФИО ребёнка"), "relation": "child", "address": mark("адрес ребёнка")},
        )
    )
    redirected(
        submit(
            client,
            reverse("referrals:consent_new", args=[case.uuid]),
            {
                "signed_on": (today - datetime.timedelta(days=1)).isoformat(),
                "signed_by": mark("подписала согласие"),
                "expires_on": (today + datetime.timedelta(days=365)).isoformat(),
                "data_categories": ["contacts", "address", "composition", "health", "social", "education"],
                "all_partners": "on",
                "health_written": "on",
            },
            files={"document": SimpleUploadedFile("soglasie.pdf", b"%PDF-1.4\n" + mark("скан согласия").encode())},
        )
    )

    # The ИПСС: a measure added and edited on the draft.
    programme_url = redirected(client.post(reverse("referrals:programme_new", args=[case.uuid])))
    programme = case.programmes.get()
    redirected(
        submit(
            client,
            programme_url,
            {
                "section": "other",
                "category": str(network.category.pk),
                "description": mark("мероприятие: обследование у невролога"),
                "organization": str(network.partner.pk),
                "responsible_person": mark("ответственный"),
                "deadline": (today + datetime.timedelta(days=20)).isoformat(),
                "zone": "partner",
            },
        )
    )
    (measure,) = [m for m in programme.measures.all() if m.description.startswith(MARKER)]
    redirected(
        submit(
            client,
            reverse("referrals:measure_edit", args=[measure.pk]),
            {"description": mark("мероприятие, правка"), "responsible_person": mark("ответственный, правка")},
        )
    )

    # The consilium accepts the family and approves the programme (the head), with a conclusion.
    cabinet_login(client, head)
    meeting = meeting_of(network, number="М-1", day=today - datetime.timedelta(days=1))
    add_url = reverse("referrals:consilium_agenda_add", args=[meeting.pk])
    redirected(submit(client, add_url, {"kind": "primary"}, action=add_url, query={"case": case.pk}))
    item = AgendaItem.objects.get(meeting=meeting, case=case)
    response, _form = decide_through_page(
        client,
        item,
        decision=Decision.ACCEPT,
        level="crisis",
        programme=str(programme.pk),
        family_agreed="on",
        conclusion=mark("заключение консилиума"),
    )
    redirected(response)

    # The curator marks the measure and refers the family to the partner.
    cabinet_login(client, curator)
    measure.refresh_from_db()
    redirected(
        submit(
            client,
            reverse("referrals:measure_mark", args=[measure.pk]),
            {f"m{measure.pk}-status": "done", f"m{measure.pk}-result": mark("результат мероприятия")},
        )
    )
    redirected(
        submit(
            client,
            reverse("referrals:referral_new", args=[case.uuid]),
            {
                "category": str(network.category.pk),
                "organization": str(network.partner.pk),
                "measure": str(measure.pk),
                "narrative": mark("описание для партнёра"),
                "health_notes": mark("сведения о здоровье: эпилепсия"),
                "education_notes": mark("сведения об образовании"),
            },
            query={"category": network.category.code},
            button={"send": "1"},  # «Отправить партнёру»
        )
    )
    referral = Referral.objects.get(case=case)
    assert referral.status == "sent"

    # The partner accepts, works, writes, attaches and completes; declines another referral.
    cabinet_login(client, intake)
    act(client, referral, "accept", {"note": mark("принято")})
    act(client, referral, "start", {"note": mark("начато")})
    referral_url = reverse("referrals:referral", args=[referral.uuid])
    message_url = reverse("referrals:referral_message", args=[referral.uuid])
    redirected(submit(client, referral_url, {"body": mark("сообщение партнёра")}, action=message_url))
    attachment_url = reverse("referrals:referral_attachment", args=[referral.uuid])
    upload = SimpleUploadedFile(f"{MARKER} заключение.pdf", b"%PDF-1.4\n" + mark("вложение").encode())
    redirected(submit(client, referral_url, action=attachment_url, files={"file": upload}))
    act(client, referral, "complete", {"outcome": "provided", "note": mark("что сделано")})
    assert referral.status == "completed"
    declined = network.new_referral(steps=[SEND])
    act(client, declined, "decline", {"decline_reason": "no_capacity", "note": mark("пояснение отказа")})
    assert declined.status == "declined"

    # The act of housing inspection.
    cabinet_login(client, curator)
    redirected(
        submit(
            client,
            reverse("referrals:inspection_new", args=[case.uuid]),
            {
                "inspected_on": (today - datetime.timedelta(days=1)).isoformat(),
                "participants": mark("присутствовали"),
                "housing": mark("жилое помещение"),
                "conditions": mark("санитарное состояние"),
                "child_conditions": mark("условия для ребёнка"),
                "conclusion": mark("выводы акта"),
            },
        )
    )

    # A region with post-support (Tatarstan): a control review extends the term, the other case closes positively
    # and gets a post-support note.
    profiles.import_profile(profiles.shipped_data("tatarstan"), valid_from=datetime.date(2000, 1, 2))
    cabinet_login(client, head)
    control = meeting_of(network, number="М-2")
    add_url = reverse("referrals:consilium_agenda_add", args=[control.pk])
    redirected(submit(client, add_url, {"kind": "control"}, action=add_url, query={"case": case.pk}))
    item = AgendaItem.objects.get(meeting=control, case=case)
    case.refresh_from_db()
    response, _form = decide_through_page(
        client,
        item,
        decision=Decision.EXTEND,
        extend_until=(case.support_until + datetime.timedelta(days=30)).isoformat(),
        conclusion=mark("основание продления"),
    )
    redirected(response)
    cabinet_login(client, curator)
    redirected(
        submit(
            client,
            reverse("referrals:case_close", args=[network.case.uuid]),
            {"reason": "goal_reached", "conclusion": mark("заключение рабочей группы")},
        )
    )
    redirected(
        submit(
            client,
            reverse("referrals:post_support_note_new", args=[network.case.uuid]),
            {"on": today.isoformat(), "contact": "call", "note": mark("постсопровождение")},
        )
    )

    # A caseload limit of one: the head gives the curator a case beyond it, with a reason.
    limited = profiles.shipped_data("tatarstan")
    for level in limited["levels"]:
        level["caseload"] = 1
    profiles.import_profile(limited, valid_from=datetime.date(2000, 1, 3))
    other = second_case(network)
    cabinet_login(client, head)
    redirected(
        submit(
            client,
            reverse("referrals:case_reassign", args=[other.uuid]),
            {"curator": str(curator.pk), "override_reason": mark("причина превышения нагрузки")},
        )
    )


def _check_every_field_holds_the_marker():
    """The story reached every field: each one reads back (decrypted) with the marker."""
    case = FamilyCase.objects.get(registration_number="M-1")
    closed = FamilyCase.objects.get(registration_number="T-1")
    assert (case.categories, case.circumstances) == ([CODES[0]], [CODES[1]])
    values = {
        "help request": [(r.name, r.message) for r in HelpRequest.objects.all()],
        "case": [(case.address, case.narrative, closed.closure_conclusion)],
        "members": [(m.full_name, m.address) for m in FamilyMember.objects.filter(case=case)],
        "consent": [(c.signed_by,) for c in Consent.objects.filter(case=case)],
        "measure": [
            (m.description, m.responsible_person, m.result)
            for m in Measure.objects.filter(programme__case=case)
            if m.description.startswith(MARKER)
        ],
        "referral": [(r.narrative, r.health_notes, r.education_notes) for r in Referral.objects.filter(case=case)],
        "events": [(e.note,) for e in ReferralEvent.objects.exclude(note="").exclude(action="cancel")],
        "message": [(m.body,) for m in Message.objects.all()],
        "attachment": [(a.name,) for a in Attachment.objects.all()],
        "inspection": [
            (i.participants, i.housing, i.conditions, i.child_conditions, i.conclusion)
            for i in HousingInspection.objects.all()
        ],
        "agenda": [(i.conclusion,) for i in AgendaItem.objects.all()],
        "term change": [(t.reason,) for t in SupportTermChange.objects.all()],
        "post-support": [(n.note,) for n in PostSupportNote.objects.all()],
        "override": [(o.reason,) for o in CaseloadOverride.objects.all()],
    }
    for what, rows in values.items():
        assert rows, f"nothing stored for {what}"
        for row in rows:
            assert all(MARKER in value for value in row), (what, row)
    assert {e.action for e in ReferralEvent.objects.exclude(note="").exclude(action="cancel")} >= {
        "accept",
        "start",
        "complete",
        "decline",
    }


def _check_the_raw_database():
    dump = raw_database_text()
    assert "Кызыл" in dump and crypto.PREFIX in dump  # the dump is real and readable
    assert MARKER not in dump, "plain text: " + dump[max(0, dump.index(MARKER) - 300) : dump.index(MARKER) + 100]
    assert MARKER.encode().hex() not in dump.lower(), "a binary column holds the marker unencrypted"
    with connection.cursor() as cursor:
        cursor.execute("SELECT categories, circumstances FROM referrals_familycase")
        rows = cursor.fetchall()
    for categories, circumstances in rows:
        assert categories.startswith(crypto.PREFIX) and circumstances.startswith(crypto.PREFIX)
        assert not any(code in categories + circumstances for code in CODES)


def _check_the_pages_show_it_decrypted(client, network, curator, head, intake):
    case = FamilyCase.objects.get(registration_number="M-1")
    referral = Referral.objects.get(case=case)
    pages = [
        (curator, reverse("referrals:case", args=[network.case.uuid]), ["заключение рабочей группы"]),
        (curator, reverse("referrals:case", args=[case.uuid]), ["описание ситуации, правка"]),
        (curator, reverse("referrals:programme", args=[case.programmes.get().pk]), ["мероприятие, правка"]),
        (curator, reverse("referrals:programme", args=[case.programmes.get().pk]), ["ответственный, правка"]),
        (intake, reverse("referrals:referral", args=[referral.uuid]), ["принято", "что сделано", "сообщение партнёра"]),
        (
            head,
            reverse("referrals:consilium_meeting", args=[AgendaItem.objects.get(meeting__number="М-1").meeting_id]),
            ["заключение консилиума"],
        ),
        (
            head,
            reverse("referrals:consilium_meeting", args=[AgendaItem.objects.get(meeting__number="М-2").meeting_id]),
            ["основание продления"],
        ),
    ]
    for user, url, texts in pages:
        cabinet_login(client, user)
        html = client.get(url).content.decode()
        for text in texts:
            assert mark(text) in html, (url, text)


def raw_values(case, referral) -> dict:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT closure_conclusion, categories, circumstances FROM {quote('referrals_familycase')} WHERE id = %s",
            [case.pk],
        )
        conclusion, categories, circumstances = cursor.fetchone()
        cursor.execute(
            "SELECT description, responsible_person FROM referrals_measure WHERE programme_id IN "
            "(SELECT id FROM referrals_programme WHERE case_id = %s)",
            [case.pk],
        )
        measures = cursor.fetchall()
        cursor.execute(
            "SELECT note FROM referrals_referralevent WHERE referral_id = %s AND action = 'decline'", [referral.pk]
        )
        (note,) = cursor.fetchone()
    return {
        "conclusion": conclusion,
        "categories": categories,
        "circumstances": circumstances,
        "measures": measures,
        "note": note,
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_going_back_decrypts_them(network):
    """Migration 0010 on a database holding plain text: back to its dependency (the values decrypted again, the
    columns in their old types), then forward (every value encrypted, read back unchanged through the models)."""
    import importlib
    import json

    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("referrals.migrations.0010_encrypt_free_text").Migration
    referral = network.new_referral(steps=[SEND])
    services.referral_transition(
        user=network.users["intake"], referral=referral, action="decline", decline_reason="no_capacity", note=MARKER
    )
    services.case_close(user=network.users["curator"], case=network.case, reason="goal_reached", conclusion=MARKER)
    case = network.case
    try:
        MigrationExecutor(connection).migrate(list(migration.dependencies))
        plain = raw_values(case, referral)
        assert plain["conclusion"] == MARKER and plain["note"] == MARKER
        assert json.loads(plain["categories"]) == ["single_parent"]
        assert json.loads(plain["circumstances"]) == ["unemployment"]
        assert ("Консультации психолога для матери", "") in plain["measures"]

        MigrationExecutor(connection).migrate([("referrals", "0010_encrypt_free_text")])
        encrypted = raw_values(case, referral)
        for name in ("conclusion", "categories", "circumstances", "note"):
            assert encrypted[name].startswith(crypto.PREFIX) and MARKER not in encrypted[name], name
        assert all(description.startswith(crypto.PREFIX) for description, _person in encrypted["measures"])
    finally:
        call_command("migrate", verbosity=0)  # whatever happened, the schema of the code again
    case.refresh_from_db()
    assert (case.closure_conclusion, case.categories, case.circumstances) == (
        MARKER,
        ["single_parent"],
        ["unemployment"],
    )
    assert referral.events.get(action="decline").note == MARKER
    assert "Консультации психолога для матери" in [m.description for m in Measure.objects.filter(programme__case=case)]
