"""docs/operations.md lists every environment variable the code reads, as the code reads it."""

import re

from website import settings_reference


def test_the_configuration_reference_matches_the_code():
    text = settings_reference.DOCUMENT.read_text()
    assert settings_reference.current_section(text) == settings_reference.render(), (
        "docs/operations.md is out of date: run `manage.py settings_reference --write`"
    )


def test_every_variable_of_the_settings_is_found():
    names = {variable.name for variable in settings_reference.collect()}
    assert {"SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "REDIS_URL", "AXES_COOLOFF_MINUTES"} <= names
    assert {"BACKUP_ENCRYPTION_KEY", "PROMETHEUS_MULTIPROC_DIR", "EMAIL_BACKEND", "LOG_LEVEL"} <= names
    # a plain text search of the settings module finds no variable the table lacks
    source = (settings_reference.ROOT / "website" / "settings.py").read_text()
    read = set(re.findall(r'(?:os\.environ\.get|os\.getenv|env_bool|env_int|env_list)\(\s*"([A-Z0-9_]+)"', source))
    assert read and read <= names, read - names
