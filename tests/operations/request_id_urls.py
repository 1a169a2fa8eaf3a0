"""A test-only page that does what a workspace action does after a change: logs a line, queues an e-mail and
enqueues its delivery (referrals.tasks.deliver_outbox). In production the delivery is enqueued when the request's
transaction commits, still inside the request; the test database's transaction never commits, so the page calls
the same function directly."""

import logging

from django.http import HttpResponse
from django.urls import path

from referrals.notifications import _enqueue_delivery, queue_email

logger = logging.getLogger("tests.request_id")


def queue_one_email(request):
    logger.info("queueing an e-mail")
    queue_email("request-id@example.ru", subject="Проверка", lines=["Новое направление"], url="/cabinet/")
    _enqueue_delivery()
    return HttpResponse("ok")


urlpatterns = [path("queue-email/", queue_one_email)]
