"""Background work of the referral network (django-tasks). The outbox is the source of truth: a task that
never runs loses nothing, `manage.py send_notifications` delivers what is due."""

from django_tasks import task


@task()
def deliver_outbox() -> dict:
    from .notifications import deliver_due

    return deliver_due()
