"""Background work of the referral network (django-tasks). The outbox is the source of truth: a task that
never runs loses nothing, `manage.py send_notifications` delivers what is due."""

from django_tasks import task

from . import notifications


@task()
def deliver_outbox() -> dict:
    return notifications.deliver_due()
