"""The workspace's test network (a support organisation, partners and a user per role) for the security tests."""

from tests.referrals.conftest import network  # noqa: F401 - a fixture
