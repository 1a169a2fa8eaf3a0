"""The report router (website/db_router.py) without a replica server: what goes where."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings

from website.db_router import ReportsReplicaRouter, reads_from_replica, report_database

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
