"""Fixtures of the read-replica tests.

``replica_mirror`` adds a "replica" alias configured as a test mirror of the default database
(``"TEST": {"MIRROR": "default"}``): the router's decisions can be watched per connection,
although both aliases reach the same test database. It is added for one test and removed
after, so every other test runs without a replica, as the portal does when
DATABASE_REPLICA_URL is unset.
"""
import copy

import pytest
from django.conf import settings
from django.db import connections

from complaints_portal.db_router import REPLICA


def _add_alias(config):
    connections.settings[REPLICA] = config
    settings.DATABASES[REPLICA] = config


def _remove_alias():
    if hasattr(connections._connections, REPLICA):
        connections[REPLICA].close()
        del connections[REPLICA]
    connections.settings.pop(REPLICA, None)
    settings.DATABASES.pop(REPLICA, None)


def _guard():
    if REPLICA in settings.DATABASES:
        pytest.skip("a real replica is configured (DATABASE_REPLICA_URL)")


@pytest.fixture(scope="module")
def replica_mirror(django_db_setup):
    """A "replica" alias on the test database itself, for a whole module (Django's test case
    checks its ``databases`` against the aliases that exist when the test starts). Tests using
    it commit their data: ``django_db(transaction=True, databases=["default", "replica"])``."""
    _guard()
    config = copy.deepcopy(connections["default"].settings_dict)
    config["TEST"] = {**config.get("TEST", {}), "MIRROR": "default"}
    _add_alias(config)
    yield connections[REPLICA]
    _remove_alias()


@pytest.fixture(scope="module")
def unreachable_replica(django_db_setup):
    """A "replica" alias whose server does not answer (nothing listens on port 1)."""
    _guard()
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    config = copy.deepcopy(connections["default"].settings_dict)
    config.update(HOST="127.0.0.1", PORT=1, OPTIONS={**config.get("OPTIONS", {}), "connect_timeout": 2})
    config["TEST"] = {**config.get("TEST", {}), "MIRROR": "default"}
    _add_alias(config)
    yield connections[REPLICA]
    _remove_alias()


REPLICA_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
