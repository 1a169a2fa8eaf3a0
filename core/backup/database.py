"""Dump and restore of the `default` database: `pg_dump -Fc`/`pg_restore` on PostgreSQL, the SQLite online backup
API on SQLite. Both take a consistent snapshot while the site keeps working."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections


class DatabaseToolError(Exception):
    pass


def vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def is_empty(alias: str = "default") -> bool:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if not name.startswith(("file:", ":memory:")) and not Path(name).exists():
            return True
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _pg_args(alias: str) -> tuple[list[str], dict]:
    settings = connections[alias].settings_dict
    args = ["-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432)]
    args += ["-U", settings.get("USER") or "postgres", "-d", settings["NAME"]]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise DatabaseToolError(f"{command[0]}: {result.stderr.strip()[-2000:]}")


def dump(target: Path, alias: str = "default") -> None:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        args, env = _pg_args(alias)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(target), *args], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        raise DatabaseToolError(f"unsupported database: {connection.vendor}")


def restore(source: Path, *, replace: bool, alias: str = "default") -> None:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        connection.close()
        args, env = _pg_args(alias)
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        if replace:
            options += ["--clean", "--if-exists"]
        _run(["pg_restore", *options, *args, str(source)], env)
    elif connection.vendor == "sqlite":
        # The backup API copies the whole file page by page into the target, replacing what was there.
        connection.ensure_connection()
        origin = sqlite3.connect(source)
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
        connection.close()
    else:
        raise DatabaseToolError(f"unsupported database: {connection.vendor}")
