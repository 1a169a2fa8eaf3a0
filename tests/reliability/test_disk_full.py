"""Disk full on upload, for real: the upload's temporary directory (referral attachments, consent scans) or the
media storage (documents and images of the editors) sits on a 64 KiB tmpfs. The user gets a clear Russian page
(507), nothing half-written stays on the disk and no row points at a missing file."""

import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model

from referrals.models import Attachment
from tests.referrals.conftest import ACCEPT, SEND, cabinet_login, network  # noqa: F401 — the fixture

BIG_PDF = b"%PDF-1.4\n" + os.urandom(300 * 1024)  # random: tmpfs cannot compress it
FULL_MESSAGE = "Файл не сохранён: на сервере закончилось место"


@pytest.fixture
def tiny_disk(tmp_path):
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mountpoint)], capture_output=True, text=True
    )
    if result.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs for the disk-full test: {result.stderr}")
        pytest.skip(f"cannot mount a tmpfs (needs root): {result.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "--lazy", str(mountpoint)], check=True)


def files_on(disk) -> list[str]:
    return sorted(str(path.relative_to(disk)) for path in disk.rglob("*") if path.is_file())


def test_attachment_upload_on_a_full_disk_saves_nothing_and_says_why(network, tiny_disk, settings):  # noqa: F811
    settings.FILE_UPLOAD_TEMP_DIR = str(tiny_disk)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # bigger uploads go through a temporary file on that disk
    referral = network.new_referral(steps=[SEND, ACCEPT])
    client = cabinet_login(Client(raise_request_exception=False), network.users["curator"])
    url = reverse("referrals:referral_attachment", args=[referral.uuid])

    response = client.post(url, {"file": SimpleUploadedFile("справка.pdf", BIG_PDF)})

    assert response.status_code == 507
    page = response.content.decode()
    assert FULL_MESSAGE in page and "Traceback" not in page
    assert not Attachment.objects.filter(referral=referral).exists()
    assert files_on(tiny_disk) == []
    # The disk has room again: the same upload goes through.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    client.post(url, {"file": SimpleUploadedFile("справка.pdf", BIG_PDF)})
    assert Attachment.objects.filter(referral=referral).count() == 1


@pytest.mark.django_db
def test_document_upload_on_a_full_media_disk_leaves_no_partial_file(admin_client, tiny_disk, settings):
    settings.MEDIA_ROOT = str(tiny_disk)
    admin_client.raise_request_exception = False
    Document = get_document_model()
    before = Document.objects.count()

    response = admin_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Памятка", "file": SimpleUploadedFile("pamyatka.pdf", BIG_PDF), "collection": 1},
    )

    assert response.status_code == 507
    assert FULL_MESSAGE in response.content.decode()
    assert Document.objects.count() == before
    assert files_on(tiny_disk) == []
