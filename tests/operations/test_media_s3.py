"""Media on S3-compatible storage (django-storages) against a real S3 server on loopback (moto's server): an image
uploaded through the Wagtail admin lands in the bucket, privately; its signed URL reads it back over HTTP, a
rendition is made from it and read back the same way, a document is streamed by Wagtail's view, and the page's
Content-Security-Policy lets the browser load images from the storage. The settings are the ones
website/settings.py builds from the MEDIA_S3_* environment."""

from __future__ import annotations

import io
import os
import runpy
import urllib.request
from pathlib import Path
from unittest import mock

import boto3
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from PIL import Image as PILImage

from tests.reliability.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "families-media"
KEY_ID, SECRET = "test-media-key-id", "test-media-secret"  # moto accepts any; never real credentials


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, region_name="ru-central1"
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ru-central1"})
    yield endpoint, client
    # moto keeps its buckets in the process, across servers: leave none for the next start of this fixture.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint):
    """website/settings.py evaluated with the MEDIA_S3_* variables, as a production server would read them."""
    endpoint, client = s3_endpoint
    environment = {
        "MEDIA_S3_BUCKET": BUCKET,
        "MEDIA_S3_ENDPOINT_URL": endpoint,
        "MEDIA_S3_ACCESS_KEY_ID": KEY_ID,
        "MEDIA_S3_SECRET_ACCESS_KEY": SECRET,
        "MEDIA_S3_REGION": "ru-central1",
        "MEDIA_S3_PREFIX": "site",
    }
    with mock.patch.dict(os.environ, environment):
        production = runpy.run_path(str(ROOT / "website" / "settings.py"))
    storages = {**settings.STORAGES, "default": production["STORAGES"]["default"]}
    with override_settings(STORAGES=storages, WAGTAILDOCS_SERVE_METHOD=production["WAGTAILDOCS_SERVE_METHOD"]):
        yield production, client


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200
        return answer.read()


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_settings_read_the_s3_storage_from_the_environment(s3_settings):
    production, _client = s3_settings
    storage = production["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["default_acl"] is None and storage["OPTIONS"]["querystring_auth"] is True
    assert production["WAGTAILDOCS_SERVE_METHOD"] == "serve_view"
    endpoint = storage["OPTIONS"]["endpoint_url"]
    assert endpoint in production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    # Without MEDIA_S3_BUCKET: the file system, as before, and images only from the site itself.
    with mock.patch.dict(os.environ, {"MEDIA_S3_BUCKET": ""}):
        local = runpy.run_path(str(ROOT / "website" / "settings.py"))
    assert local["STORAGES"]["default"] == {"BACKEND": "core.uploads.FileSystemStorage"}
    assert endpoint not in local["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


@pytest.mark.django_db
def test_an_admin_image_upload_lives_in_the_bucket_and_renditions_work(s3_settings, admin_client):
    from wagtail.images.models import Image

    _production, client = s3_settings
    picture = png(64, 48)
    upload = ContentFile(picture, name="s3-upload.png")
    response = admin_client.post("/admin/images/add/", {"title": "Проверка S3", "collection": "1", "file": upload})
    assert response.status_code == 302, response.content.decode()[-2000:]

    image = Image.objects.get(title="Проверка S3")
    key = f"site/{image.file.name}"
    assert client.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == len(picture)
    assert not Path(settings.MEDIA_ROOT, image.file.name).exists()  # nothing on the local disk
    grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants), grants  # no AllUsers / AuthenticatedUsers

    url = image.file.url
    assert url.startswith(f"{_production['MEDIA_S3_ENDPOINT_URL']}/{BUCKET}/site/") and "X-Amz-Signature" in url
    assert fetch(url) == picture

    rendition = image.get_rendition("fill-20x10")
    assert client.head_object(Bucket=BUCKET, Key=f"site/{rendition.file.name}")
    with PILImage.open(io.BytesIO(fetch(rendition.url))) as made:
        assert made.size == (20, 10)


@pytest.mark.django_db
def test_documents_are_streamed_by_the_permission_checked_view(s3_settings, client):
    from wagtail.documents.models import Document

    _production, s3 = s3_settings
    document = Document.objects.create(title="Памятка", file=ContentFile(b"%PDF-1.4 test\n", name="pamyatka.pdf"))
    assert s3.head_object(Bucket=BUCKET, Key=f"site/{document.file.name}")
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test\n"
