"""The S3 path for real: moto's standalone S3 server on 127.0.0.1, driven through the generic packages API."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests
from django.core.files.storage import storages

from packages_registry.models import PackageFile

pytestmark = pytest.mark.django_db(transaction=True)
BUCKET = "assay-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(endpoint, timeout=5)
            break
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto_server did not start: " + log.read_text()) from None
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_endpoint):
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "location": "assay",
                "file_overwrite": True,
                "default_acl": None,
                "querystring_auth": False,
            },
        },
    }
    storages._storages.pop("artifacts", None)
    yield client
    storages._storages.pop("artifacts", None)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_upload_download_range_and_delete_on_s3(client, tenant, s3):
    data = os.urandom(3 * 1024 * 1024 + 11)  # several 1 MB read chunks, not a multiple of them
    headers = {"HTTP_PRIVATE_TOKEN": tenant.write_token}
    base = f"/api/v4/projects/{tenant.project.pk}/packages"
    response = client.put(
        f"{base}/generic/s3pkg/1.0/nested/blob.bin", data, content_type="application/octet-stream", **headers
    )
    assert response.status_code == 201, response.content
    stored = PackageFile.objects.get(path="nested/blob.bin")
    assert keys(s3) == [f"assay/{stored.storage_key}"]
    assert s3.head_object(Bucket=BUCKET, Key=f"assay/{stored.storage_key}")["ContentLength"] == len(data)
    assert stored.ingestion_status == "ready" and stored.size == len(data)  # ingestion read it back from S3

    full = client.get(f"{base}/generic/s3pkg/1.0/nested/blob.bin", **headers)
    assert b"".join(full.streaming_content) == data
    part = client.get(
        f"{base}/generic/s3pkg/1.0/nested/blob.bin", HTTP_RANGE="bytes=1048570-1048589", **headers
    )
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[1048570:1048590]

    owner = {"HTTP_PRIVATE_TOKEN": tenant.owner_token}
    assert client.delete(f"{base}/{stored.package_id}", **owner).status_code == 204
    assert keys(s3) == []
