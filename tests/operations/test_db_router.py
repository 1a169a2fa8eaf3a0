"""The report router (core/db_router.py) without a replica server: what goes where."""

import threading
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings

from core.db_router import ReportsReplicaRouter, reads_from_replica, report_database

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

WITH_REPLICA = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}


def instance_from(alias: str):
    return SimpleNamespace(_state=SimpleNamespace(db=alias))


def test_without_a_replica_everything_reads_from_the_default_database():
    router = ReportsReplicaRouter()
    assert "replica" not in settings.DATABASES
    with reads_from_replica():
        assert router.db_for_read(None) is None
    assert report_database() == "default"


@override_settings(DATABASES=WITH_REPLICA)
def test_only_reads_inside_reads_from_replica_go_to_the_replica():
    router = ReportsReplicaRouter()
    assert router.db_for_read(None) is None
    with reads_from_replica():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) is None  # a new row: the default database
        assert router.db_for_write(None, instance=instance_from("replica")) == "default"
    assert router.db_for_read(None) is None
    assert report_database() == "replica"
    assert router.allow_migrate("replica", "referrals") is False
    assert router.allow_migrate("default", "referrals") is True


@override_settings(DATABASES=WITH_REPLICA)
def test_a_decorated_view_reads_from_the_replica_only_while_it_runs():
    router = ReportsReplicaRouter()

    @reads_from_replica()
    def report():
        return router.db_for_read(None)

    assert report() == "replica"
    assert router.db_for_read(None) is None


@override_settings(DATABASES=WITH_REPLICA)
def test_one_decorated_view_runs_in_several_threads_at_once():
    # gunicorn's gthread workers run the same decorated view concurrently: each call must have its own state.
    router = ReportsReplicaRouter()
    inside = threading.Barrier(2)
    seen = []

    @reads_from_replica()
    def report():
        inside.wait(timeout=5)  # both threads are inside before either leaves
        seen.append(router.db_for_read(None))

    errors = []

    def call():
        try:
            report()
        except Exception as error:  # the old shared-instance decorator failed here, on leaving
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert seen == ["replica", "replica"]
    assert router.db_for_read(None) is None
