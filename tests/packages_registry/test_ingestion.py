"""Ingestion: checksums, sniffed type, previews, thumbnails, MLmodel parsing; idempotent; the ingest_pending sweep."""

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from PIL import Image

from packages_registry import services
from packages_registry.ingestion import analyse
from packages_registry.models import IngestionStatus, PackageFile

pytestmark = pytest.mark.usefixtures("artifacts_dir")

MLMODEL = b"""artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.pyfunc.model
    python_version: 3.11.2
  sklearn:
    sklearn_version: 1.5.0
model_id: m-0123456789abcdef0123456789abcdef
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: '[{"type": "double", "required": true}]'
"""


def png(size=(400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def chunks(data: bytes, n: int = 1000):
    return (data[i : i + n] for i in range(0, len(data), n))


@pytest.mark.smoke
def test_analyse_text_json_image_and_mlmodel():
    text = "".join(f"line {i}\n" for i in range(100)).encode()
    result = analyse(chunks=chunks(text), path="logs/train.log")
    assert result.size == len(text) and result.sha256 == hashlib.sha256(text).hexdigest()
    assert result.preview_text.splitlines() == [f"line {i}" for i in range(20)]

    doc = json.dumps({"a": 1}).encode()
    assert analyse(chunks=[doc], path="cfg/config.json").content_type == "application/json"
    assert analyse(chunks=[b"a,b\n1,2\n"], path="data.csv").preview_text == "a,b\n1,2"

    image = analyse(chunks=chunks(png()), path="plots/curve.png", declared="application/octet-stream")
    assert image.content_type == "image/png" and image.preview_text == ""
    with Image.open(io.BytesIO(image.thumbnail)) as thumb:
        assert max(thumb.size) == 160

    # The type comes from the bytes, not the name.
    assert analyse(chunks=[png((4, 4))], path="no-extension").content_type == "image/png"
    assert analyse(chunks=[b"\x00\x01\x02"], path="blob").content_type == "application/octet-stream"

    mlmodel = analyse(chunks=[MLMODEL], path="model/MLmodel").metadata["mlmodel"]
    assert mlmodel["flavors"] == ["python_function", "sklearn"]
    assert mlmodel["signature"]["inputs"] == [{"type": "double", "name": "x", "required": True}]
    assert mlmodel["model_id"] == "m-0123456789abcdef0123456789abcdef"


@pytest.mark.smoke
def test_ingestion_is_idempotent_and_a_broken_image_does_not_fail_it(
    db, tenant, django_capture_on_commit_callbacks
):
    package = services.package_get_or_create(project=tenant.project, name="p", version="1")
    with django_capture_on_commit_callbacks(execute=False):  # leave the files pending
        good = services.package_file_upload(package=package, path="a/MLmodel", stream=io.BytesIO(MLMODEL))
        broken = services.package_file_upload(
            package=package, path="b.png", stream=io.BytesIO(b"\x89PNG\r\n\x1a\nxx")
        )
    assert good.ingestion_status == IngestionStatus.PENDING
    first = services.package_file_ingest(file_id=good.pk)
    again = services.package_file_ingest(file_id=good.pk)
    assert (first.sha256, first.metadata) == (again.sha256, again.metadata)
    assert (
        again.ingestion_status == IngestionStatus.READY and "sklearn" in again.metadata["mlmodel"]["flavors"]
    )
    assert services.package_file_ingest(file_id=broken.pk).thumbnail is None
    assert services.package_file_ingest(file_id=999_999) is None


def test_ingest_pending_command_ingests_left_over_files_and_marks_unreadable_ones_failed(
    db, tenant, artifacts_dir, django_capture_on_commit_callbacks
):
    package = services.package_get_or_create(project=tenant.project, name="p", version="1")
    with django_capture_on_commit_callbacks(execute=False):
        ok = services.package_file_upload(package=package, path="ok.txt", stream=io.BytesIO(b"ok\n"))
        lost = services.package_file_upload(package=package, path="lost.txt", stream=io.BytesIO(b"x"))
    (artifacts_dir / lost.storage_key).unlink()  # the object vanished from storage
    out = io.StringIO()
    call_command("ingest_pending", stdout=out, stderr=io.StringIO())
    assert "ingested 1 of 2" in out.getvalue()
    ok.refresh_from_db()
    lost.refresh_from_db()
    assert ok.ingestion_status == IngestionStatus.READY and ok.preview_text == "ok"
    assert lost.ingestion_status == IngestionStatus.FAILED and "FileNotFoundError" in lost.ingestion_error
    assert not PackageFile.objects.filter(ingestion_status=IngestionStatus.PENDING).exists()
