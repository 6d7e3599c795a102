"""A gunicorn worker SIGKILLed mid-upload leaves only a temporary object (local disk) or an unfinished multipart
upload (S3, moto_server), never a row; `collect_orphans` then leaves storage holding exactly the rows' objects,
and keeps everything younger than its minimum age and everything that is not Assay's."""

import os
import signal
import socket
import time

import boto3
import pytest
from django.core.files.storage import storages
from django.core.management import call_command

from packages_registry.models import PackageFile
from tests.packages_registry.helpers import stored_objects
from tests.packages_registry.live import Gunicorn, process_env, raw_request, status_of
from tests.packages_registry.test_s3_storage import s3_endpoint  # noqa: F401 - fixture (moto_server)

pytestmark = pytest.mark.django_db(transaction=True)
BUCKET = "assay-orphans"


def put_head(tenant, name: str, length: int) -> str:
    return (
        f"PUT /api/v4/projects/{tenant.project.pk}/packages/generic/p/1.0/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {tenant.write_token}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )


def upload(gunicorn: Gunicorn, tenant, name: str, data: bytes) -> None:
    reply = raw_request(gunicorn.port, put_head(tenant, name, len(data)), [data])
    assert status_of(reply) == 201, reply[:300]


def kill_worker_mid_upload(gunicorn: Gunicorn, tenant, name: str, started) -> None:
    """Send half of a 40 MB body, wait until `started()` sees the upload in storage, SIGKILL the worker."""
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=60) as conn:
        conn.sendall(put_head(tenant, name, 40 * 1024 * 1024).encode())
        conn.sendall(os.urandom(20 * 1024 * 1024))
        deadline = time.monotonic() + 60
        while not started():
            assert time.monotonic() < deadline, gunicorn.log.read_text()[-2000:]
            time.sleep(0.1)
        (pid,) = gunicorn.worker_pids()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while gunicorn.worker_pids() in ([], [pid]):  # the arbiter starts a fresh worker
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_a_killed_upload_on_local_disk_leaves_a_temp_file_that_the_collector_removes(
    tenant, tmp_path, settings
):
    location = tmp_path / "packages"
    settings.STORAGES = {**settings.STORAGES, "artifacts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}  # fmt: skip
    storages._storages.pop("artifacts", None)
    gunicorn = Gunicorn(tmp_path, process_env(tmp_path, broker=None))
    try:
        upload(gunicorn, tenant, "kept.bin", b"kept")
        upload(gunicorn, tenant, "dropped.bin", b"its row goes, as in a cascaded delete")
        PackageFile.objects.filter(path="dropped.bin").delete()
        foreign = location / "README"  # not an Assay key: never touched
        foreign.write_text("someone else's file")

        def started() -> bool:
            return (
                any(p.stat().st_size > 0 for p in (location / "tmp").glob("*"))
                if (location / "tmp").exists()
                else False
            )

        kill_worker_mid_upload(gunicorn, tenant, "killed.bin", started)
        assert not PackageFile.objects.filter(path="killed.bin").exists()
        temp = [key for key in stored_objects(location) if key.startswith("tmp/")]
        assert len(temp) == 1  # the partial body is a temporary object, never at a stored file's key

        call_command("collect_orphans")  # default minimum age (24 h): everything here is too young
        assert len(stored_objects(location)) == 4
        call_command("collect_orphans", min_age_hours=0)
        rows = sorted(PackageFile.objects.values_list("storage_key", flat=True))
        assert stored_objects(location) == sorted([*rows, "README"]) and len(rows) == 1
        assert (location / rows[0]).read_bytes() == b"kept"
    finally:
        gunicorn.stop()
        storages._storages.pop("artifacts", None)


def test_a_killed_upload_on_s3_leaves_a_multipart_upload_that_the_collector_aborts(
    tenant,
    tmp_path,
    settings,
    s3_endpoint,  # noqa: F811
):
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1")  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    options = {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "access_key": "test", "secret_key": "test",
               "region_name": "us-east-1", "location": "assay", "file_overwrite": True, "default_acl": None,
               "querystring_auth": False}  # fmt: skip
    settings.STORAGES = {**settings.STORAGES, "artifacts": {"BACKEND": "storages.backends.s3.S3Storage",
                                                             "OPTIONS": options}}  # fmt: skip
    storages._storages.pop("artifacts", None)
    env = process_env(tmp_path, broker=None, ASSAY_S3_BUCKET=BUCKET, ASSAY_S3_ENDPOINT_URL=s3_endpoint,
                      ASSAY_S3_PREFIX="assay", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                      AWS_S3_REGION_NAME="us-east-1", AWS_EC2_METADATA_DISABLED="true")  # fmt: skip
    gunicorn = Gunicorn(tmp_path, env)

    def keys() -> list[str]:
        return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))

    def uploads() -> list[dict]:
        return client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])

    try:
        upload(gunicorn, tenant, "kept.bin", b"kept")
        upload(gunicorn, tenant, "dropped.bin", b"its row goes")
        PackageFile.objects.filter(path="dropped.bin").delete()
        client.put_object(Bucket=BUCKET, Key="other-app/data.csv", Body=b"not ours")

        kill_worker_mid_upload(gunicorn, tenant, "killed.bin", lambda: bool(uploads()))
        assert not PackageFile.objects.filter(path="killed.bin").exists() and len(uploads()) == 1
        assert len(keys()) == 3  # kept, dropped, other-app: the killed upload is no object

        call_command("collect_orphans")  # objects too young at the default minimum age stay
        # (moto reports every multipart upload as initiated in 2010, so at any age it is old enough to abort)
        assert len(keys()) == 3
        call_command("collect_orphans", min_age_hours=0)
        row_key = PackageFile.objects.get().storage_key
        assert keys() == sorted([f"assay/{row_key}", "other-app/data.csv"]) and uploads() == []
    finally:
        gunicorn.stop()
        storages._storages.pop("artifacts", None)


def test_beat_schedules_the_collector_and_the_sweep_and_the_task_collects(tenant, tmp_path, settings):
    from config.celery import app
    from packages_registry.tasks import collect_orphans

    app.finalize(auto=True)  # what beat does at start: fires on_after_finalize, which fills the schedule
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"packages_registry.tasks.collect_orphans", "packages_registry.tasks.sweep_pending_files"} <= tasks

    location = tmp_path / "packages"
    settings.STORAGES = {**settings.STORAGES, "artifacts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}  # fmt: skip
    storages._storages.pop("artifacts", None)
    (location / "tmp").mkdir(parents=True)
    (location / "tmp" / ("a" * 32)).write_bytes(b"partial")
    try:
        # .result, not .get(): an in-process worker started by an earlier test leaves Celery believing it runs
        # inside a task, where .get() refuses to block (the eager result is already there either way).
        ran = collect_orphans.apply()
        assert ran.successful() and ran.result == {"deleted": 0, "aborted_uploads": 0}  # younger than 24 h
        ran = collect_orphans.apply(kwargs={"min_age_hours": 0})
        assert ran.successful() and ran.result == {"deleted": 1, "aborted_uploads": 0}
        assert stored_objects(location) == []
    finally:
        storages._storages.pop("artifacts", None)
