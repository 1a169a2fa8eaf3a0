"""`manage.py backup` and `manage.py restore`: an encrypted archive restores into an empty database with every
referral, event and access-log row, and the media files; a changed archive or a wrong key restores nothing."""

from pathlib import Path

import pytest
from django.core.management import call_command

from demo.network import load_demo_network
from referrals import services
from referrals.models import AccessLog, Referral, ReferralEvent
from tests.referrals.conftest import ensure_reference_and_demo_data

from .scratch import SNAPSHOT_CODE, manage, scratch_database, shell_json, snapshot

KEY = "test-backup-key-0123456789-abcdefghijklmnop"
MEDIA_FILE = Path("documents") / "памятка.pdf"
MEDIA_BYTES = b"%PDF-1.4\n" + bytes(range(256)) * 64


@pytest.fixture
def source(settings, tmp_path, monkeypatch):
    """The demo referral network with an access-log row per referral, and one media file."""
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", KEY)
    settings.MEDIA_ROOT = tmp_path / "media-source"
    (settings.MEDIA_ROOT / MEDIA_FILE).parent.mkdir(parents=True)
    (settings.MEDIA_ROOT / MEDIA_FILE).write_bytes(MEDIA_BYTES)
    ensure_reference_and_demo_data()
    load_demo_network()
    for referral in Referral.objects.select_related("case__curator"):
        services.log_access(
            user=referral.case.curator, obj=referral, case=referral.case, fields=["narrative"], purpose="проверка"
        )
    assert Referral.objects.count() >= 9 and ReferralEvent.objects.exists() and AccessLog.objects.exists()
    return snapshot()


def take_backup(tmp_path) -> Path:
    archive = tmp_path / "backup.tar.enc"
    call_command("backup", output=str(archive))
    return archive


@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_brings_back_every_row_and_media_file(source, tmp_path):
    archive = take_backup(tmp_path)
    assert b"%PDF" not in archive.read_bytes()  # the archive is encrypted
    with scratch_database(tmp_path, "restore") as url:
        env = {"DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "media-restored"), "BACKUP_ENCRYPTION_KEY": KEY}
        result = manage("restore", str(archive), env=env)
        assert "Восстановлено" in result.stdout
        assert shell_json(SNAPSHOT_CODE, env) == source
        assert (tmp_path / "media-restored" / MEDIA_FILE).read_bytes() == MEDIA_BYTES

        again = manage("restore", str(archive), env=env, check=False)
        assert again.returncode != 0 and "База данных не пустая" in again.stderr
        forced = manage("restore", str(archive), "--force", env=env)
        assert "Восстановлено" in forced.stdout
        assert shell_json(SNAPSHOT_CODE, env) == source


@pytest.mark.django_db(transaction=True)
def test_a_changed_archive_or_a_wrong_key_restores_nothing(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", KEY)
    settings.MEDIA_ROOT = tmp_path / "media-source"  # none: the archive holds the database only
    archive = take_backup(tmp_path)
    data = bytearray(archive.read_bytes())
    tampered = tmp_path / "tampered.tar.enc"
    middle = len(data) // 2
    tampered.write_bytes(bytes(data[:middle]) + bytes([data[middle] ^ 1]) + bytes(data[middle + 1 :]))
    truncated = tmp_path / "truncated.tar.enc"
    truncated.write_bytes(bytes(data[: len(data) - 100]))
    with scratch_database(tmp_path, "refused") as url:
        env = {"DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "media-refused"), "BACKUP_ENCRYPTION_KEY": KEY}
        cases = [
            (tampered, env, "Архив повреждён или изменён"),
            (truncated, env, "Архив повреждён или изменён"),
            (archive, {**env, "BACKUP_ENCRYPTION_KEY": KEY[::-1]}, "не подходит к этому архиву"),
        ]
        for path, case_env, message in cases:
            result = manage("restore", str(path), env=case_env, check=False)
            assert result.returncode != 0
            assert message in result.stderr
            assert "Traceback" not in result.stderr
        empty = shell_json(
            "import json; from core.backup.database import is_empty; print(json.dumps({'empty': is_empty()}))", env
        )
        assert empty == {"empty": True}
        assert not (tmp_path / "media-refused").exists()


def test_backup_refuses_to_run_without_its_key_in_production(tmp_path):
    env = {"BACKUP_ENCRYPTION_KEY": "", "DEBUG": "0", "DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}"}
    result = manage("backup", "--output", str(tmp_path / "x.tar.enc"), env=env, check=False)
    assert result.returncode != 0 and "Не задан ключ резервных копий BACKUP_ENCRYPTION_KEY" in result.stderr
    assert not (tmp_path / "x.tar.enc").exists()
