"""Encrypted backups: one archive with the database dump and the media files (`manage.py backup` / `restore`).

- `crypto.py`: the archive's encryption (AES-256-GCM in chunks, streamed, with a key check and an end marker);
- `database.py`: dump and restore of the database (`pg_dump -Fc`/`pg_restore` on PostgreSQL, the SQLite online
  backup API on SQLite);
- `services.py`: `create_backup()` and `restore_backup()`, used by the two commands.

See docs/operations.md, «Backup and restore».
"""
