"""Editorial workflow (author → reviewer → publish), scheduled publishing and the «Меры: пора проверить» report."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page, Workflow, WorkflowState

from website.models import MeasurePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(django_user_model):
    user = django_user_model.objects.create_user("avtor", password="x-correct-horse")
    user.groups.add(Group.objects.get(name="Авторы"))
    return user


@pytest.fixture
def reviewer(django_user_model):
    user = django_user_model.objects.create_user("recenzent", password="x-correct-horse")
    user.groups.add(Group.objects.get(name="Рецензенты"))
    return user


def submit(page, author, title):
    page.title = title
    revision = page.save_revision(user=author)
    workflow = page.get_workflow()
    assert workflow is not None and workflow.name == "Автор → рецензент → публикация"
    state = workflow.start(page, author)
    return revision, state


def act(state, user, action):
    state.refresh_from_db()
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, user, action)
    state.refresh_from_db()
    return state


def test_every_page_is_under_the_workflow_and_only_reviewers_publish(author, reviewer):
    page = MeasurePage.objects.get(slug="edinoe-posobie")
    assert Workflow.objects.get(name="Автор → рецензент → публикация").active
    assert page.get_workflow().name == "Автор → рецензент → публикация"
    assert page.permissions_for_user(author).can_edit()
    assert not page.permissions_for_user(author).can_publish()
    assert page.permissions_for_user(reviewer).can_publish()


def test_submit_then_approve_publishes(author, reviewer):
    page = MeasurePage.objects.get(slug="edinoe-posobie")
    revision, state = submit(page, author, "Единое пособие (новая редакция)")
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert Page.objects.get(pk=page.pk).title != "Единое пособие (новая редакция)"  # not live yet
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(page, reviewer)
    assert "approve" in [action[0] for action in task_state.task.specific.get_actions(page, reviewer)]
    assert not task_state.task.specific.get_actions(page, author)
    state = act(state, reviewer, "approve")
    assert state.status == WorkflowState.STATUS_APPROVED
    page.refresh_from_db()
    assert page.live and page.title == "Единое пособие (новая редакция)"
    assert page.live_revision_id == revision.pk


def test_reject_sends_back_to_the_author(author, reviewer):
    page = MeasurePage.objects.get(slug="socialnyj-kontrakt")
    live_title = page.title
    _revision, state = submit(page, author, "Черновик с ошибкой")
    state = act(state, reviewer, "reject")
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert Page.objects.get(pk=page.pk).title == live_title


def test_scheduled_publishing_waits_for_go_live(reviewer):
    page = MeasurePage.objects.get(slug="edinoe-posobie")
    page.title = "Единое пособие с 1 января"
    page.go_live_at = timezone.now() + datetime.timedelta(days=1)
    revision = page.save_revision(user=reviewer)
    revision.publish(user=reviewer)
    page.refresh_from_db()
    assert page.title != "Единое пособие с 1 января" and page.live
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None


def test_report_lists_measures_past_their_review_date(admin_client):
    overdue = MeasurePage.objects.get(slug="edinoe-posobie")
    overdue.review_date = timezone.localdate() - datetime.timedelta(days=3)
    overdue.save()
    fresh = MeasurePage.objects.get(slug="socialnyj-kontrakt")
    fresh.review_date = timezone.localdate() + datetime.timedelta(days=30)
    fresh.save()
    response = admin_client.get("/admin/reports/measures-to-review/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Меры: пора проверить" in html
    assert overdue.title in html and fresh.title not in html
    export = admin_client.get("/admin/reports/measures-to-review/?export=csv")
    csv = b"".join(export.streaming_content).decode()
    assert overdue.title in csv
