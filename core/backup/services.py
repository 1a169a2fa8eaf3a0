"""Create and restore an encrypted backup: the database dump, the media files and a manifest in one tar archive.

Personal fields stay encrypted inside the dump (FIELD_ENCRYPTION_KEYS): a restored database is readable only with
the same field keys. The archive itself is encrypted with BACKUP_ENCRYPTION_KEY, a separate key.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from . import crypto, database

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database.dump"
MEDIA_MEMBER = "media"
# Rows counted into the manifest and checked again after a restore.
COUNTED_MODELS = [
    "referrals.FamilyCase",
    "referrals.Referral",
    "referrals.ReferralEvent",
    "referrals.Message",
    "referrals.Attachment",
    "referrals.AccessLog",
    "referrals.SecurityEvent",
    "directory.Organization",
    "directory.Service",
]


class BackupError(Exception):
    """A refusal with a message for the operator (in Russian)."""


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict


def backup_key() -> str:
    secret = os.environ.get("BACKUP_ENCRYPTION_KEY", "").strip()
    if not secret:
        if not settings.DEBUG:
            raise BackupError(
                "Не задан ключ резервных копий BACKUP_ENCRYPTION_KEY. Создайте его командой "
                '`python -c "import secrets; print(secrets.token_urlsafe(32))"` и храните отдельно от сервера.'
            )
        return "local-development-backup-key:" + settings.SECRET_KEY  # DEBUG only, never in production
    if len(secret) < crypto.MIN_KEY_CHARS:
        raise BackupError(
            f"Ключ BACKUP_ENCRYPTION_KEY слишком короткий: нужно не меньше {crypto.MIN_KEY_CHARS} символов."
        )
    if secret in settings.FIELD_ENCRYPTION_KEYS:
        raise BackupError("BACKUP_ENCRYPTION_KEY совпадает с ключом шифрования полей: нужен отдельный ключ.")
    return secret


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED_MODELS}


def create_backup(output: Path) -> BackupResult:
    secret = backup_key()
    output = Path(output)
    if output.exists():
        raise BackupError(f"Файл {output} уже существует: укажите другое имя.")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": database.vendor(),
        "counts": row_counts(),
    }
    media_root = Path(settings.MEDIA_ROOT)
    try:
        with tempfile.TemporaryDirectory(prefix="backup-") as workdir:
            dump_path = Path(workdir) / DATABASE_MEMBER
            database.dump(dump_path)
            with open(partial, "wb") as raw:
                writer = crypto.EncryptingWriter(raw, secret)
                with tarfile.open(fileobj=writer, mode="w|") as tar:
                    _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
                    tar.add(dump_path, arcname=DATABASE_MEMBER)
                    if media_root.is_dir():
                        tar.add(media_root, arcname=MEDIA_MEMBER)
                writer.close()
                raw.flush()
                os.fsync(raw.fileno())
        os.chmod(partial, 0o600)
        partial.replace(output)
    except database.DatabaseToolError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Не удалось выгрузить базу данных: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(path=output, size=output.stat().st_size, manifest=manifest)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def restore_backup(archive: Path, *, force: bool = False) -> dict:
    """Restore into the configured database and MEDIA_ROOT. Everything is decrypted and verified first."""
    secret = backup_key()
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Файл {archive} не найден.")
    with tempfile.TemporaryDirectory(prefix="restore-") as workdir:
        plain = Path(workdir) / "backup.tar"
        try:
            with open(archive, "rb") as source, open(plain, "wb") as target:
                crypto.decrypt_stream(source, target, secret)
        except crypto.BackupKeyError as exc:
            raise BackupError(
                "Ключ BACKUP_ENCRYPTION_KEY не подходит к этому архиву (или повреждён его заголовок). "
                "Ничего не восстановлено."
            ) from exc
        except crypto.BackupIntegrityError as exc:
            raise BackupError(
                "Архив повреждён или изменён после создания: проверка целостности не пройдена. "
                "Ничего не восстановлено; возьмите другую копию."
            ) from exc
        extracted = Path(workdir) / "content"
        with tarfile.open(plain, mode="r:") as tar:
            tar.extractall(extracted, filter="data")
        plain.unlink()
        manifest = json.loads((extracted / MANIFEST).read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"Неизвестный формат архива: {manifest.get('format')}.")
        if manifest["database"] != database.vendor():
            raise BackupError(
                f"Архив сделан с базы {manifest['database']}, а настроена {database.vendor()}: "
                "восстанавливайте в базу того же типа."
            )
        empty = database.is_empty()
        if not empty and not force:
            raise BackupError(
                "База данных не пустая: восстановление заменило бы её содержимое. Восстанавливайте в пустую базу "
                "или добавьте --force, если её действительно нужно заменить."
            )
        try:
            database.restore(extracted / DATABASE_MEMBER, replace=not empty)
        except database.DatabaseToolError as exc:
            raise BackupError(f"Не удалось загрузить дамп в базу данных: {exc}") from exc
        media = extracted / MEDIA_MEMBER
        if media.is_dir():
            shutil.copytree(media, Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
    counts = row_counts()
    if counts != manifest["counts"]:
        raise BackupError(
            f"После восстановления число записей не совпадает с архивом: {counts} ≠ {manifest['counts']}."
        )
    return manifest
