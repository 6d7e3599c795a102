"""Package list and package page: columns, empty states, pagination, tree, previews, thumbnails, downloads."""

import io

import pytest
from PIL import Image

from packages_registry import services
from packages_registry.models import PackageType
from packages_registry.selectors import package_for_candidate, package_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def upload(package, path, data: bytes):
    return services.package_file_upload(package=package, path=path, stream=io.BytesIO(data))


@pytest.mark.smoke
def test_empty_state_then_paginated_list(client, tenant, django_assert_max_num_queries):
    client.force_login(tenant.reporter)
    base = f"/{tenant.project.path}/-/packages/"
    empty = client.get(base)
    assert empty.status_code == 200 and b"There are no packages yet" in empty.content
    for i in range(23):
        package = services.package_get_or_create(project=tenant.project, name=f"pkg{i:02d}", version="1.0")
        upload(package, "f.txt", b"x" * 2048)
    with django_assert_max_num_queries(6):
        page1 = client.get(base)
    text = page1.content.decode()
    assert "pkg22" in text and "pkg02" not in text and "Page 1 of 2" in text and "2.0\xa0KB" in text
    page2 = client.get(base, {"page": 2})
    assert "pkg00" in page2.content.decode()
    assert b"No package matches" in client.get(base, {"q": "zzz"}).content


def test_package_page_shows_tree_previews_thumbnails_and_serves_downloads(
    client, tenant, other_tenant, django_assert_max_num_queries
):
    package = services.package_get_or_create(
        project=tenant.project, name="ml_experiment_1", version="3", package_type=PackageType.ML_MODEL
    )
    upload(package, "model/MLmodel", b"flavors:\n  python_function: {}\n")
    upload(package, "plots/curve.png", png())
    upload(package, "notes/readme.txt", b"hello preview\n")
    client.force_login(tenant.reporter)
    with django_assert_max_num_queries(
        9
    ):  # session, user, project, role, package, count, files, candidate link
        page = client.get(package_url(package=package))
    text = page.content.decode()
    assert page.status_code == 200
    for expected in ("model/", "plots/", "curve.png", "readme.txt", "hello preview", "Ready", "Download"):
        assert expected in text, expected
    image = package.files.get(path="plots/curve.png")
    thumb = client.get(f"{package_url(package=package)}files/{image.pk}/thumbnail")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(thumb.content)).size[0] == 160
    notes = package.files.get(path="notes/readme.txt")
    download = client.get(f"{package_url(package=package)}files/{notes.pk}/download")
    assert b"".join(download.streaming_content) == b"hello preview\n"

    client.force_login(other_tenant.owner)
    assert client.get(package_url(package=package)).status_code == 404
    assert client.get(f"{package_url(package=package)}files/{notes.pk}/download").status_code == 404


def test_candidate_and_package_link_each_other(client, tenant):
    from candidates.models import Candidate
    from experiments.models import Experiment

    experiment = Experiment.objects.create(project=tenant.project, iid=7, name="exp")
    candidate = Candidate.objects.create(experiment=experiment, project=tenant.project, iid=2, name="cand")
    assert package_for_candidate(candidate=candidate) is None
    package = services.candidate_package_get_or_create(candidate=candidate)
    upload(package, "a.txt", b"a")
    assert package_for_candidate(candidate=candidate) == package
    client.force_login(tenant.reporter)
    text = client.get(package_url(package=package)).content.decode()
    assert f'href="/{tenant.project.path}/-/ml/candidates/{candidate.pk}/"' in text
