"""Trace service rules not visible through one endpoint: a retried export, and what deleting takes with it."""

import pytest

from experiments.services import experiment_create
from model_registry import services as registry
from packages_registry.models import Package, PackageFile
from projects.errors import AlreadyExistsError
from tests.model_registry.factories import upload
from traces.models import Trace, TraceTag
from traces.services import trace_start, traces_delete

pytestmark = pytest.mark.django_db


def _start(project, experiment, trace_id="tr-" + "a" * 32, **kwargs):
    return trace_start(project=project, experiment=experiment, trace_id=trace_id, request_time=1, **kwargs)


def _stored(location):
    return sum(1 for p in location.rglob("*") if p.is_file())


def test_a_retried_trace_merges_its_tags_and_keeps_its_package(tenant):
    experiment = experiment_create(project=tenant.project, name="e")
    first = _start(tenant.project, experiment, tags={"a": "1", "b": "1"})
    again = _start(tenant.project, experiment, tags={"b": "2"}, state="OK")
    assert again.pk == first.pk
    assert dict(TraceTag.objects.filter(trace=first).values_list("key", "value")) == {"a": "1", "b": "2"}
    assert Trace.objects.get().state == "OK"
    assert Package.objects.count() == 1


def test_the_same_trace_id_in_another_experiment_is_refused(tenant):
    _start(tenant.project, experiment_create(project=tenant.project, name="e"))
    with pytest.raises(AlreadyExistsError):
        _start(tenant.project, experiment_create(project=tenant.project, name="f"))


def test_the_same_trace_id_in_another_project_is_another_trace(tenant, other_tenant):
    _start(tenant.project, experiment_create(project=tenant.project, name="e"))
    _start(other_tenant.project, experiment_create(project=other_tenant.project, name="e"))
    assert Trace.objects.count() == 2


def test_deleting_traces_deletes_their_packages_and_stored_files(
    tenant, artifacts_dir, django_capture_on_commit_callbacks
):
    experiment = experiment_create(project=tenant.project, name="e")
    for n in range(3):
        trace = _start(tenant.project, experiment, trace_id=f"tr-{n}")
        upload(trace.package, "traces.json", b'{"spans": []}')
    assert _stored(artifacts_dir) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert traces_delete(experiment=experiment, trace_ids=["tr-0", "tr-2", "tr-unknown"]) == 2
    assert list(Trace.objects.values_list("trace_id", flat=True)) == ["tr-1"]
    assert Package.objects.count() == PackageFile.objects.count() == 1
    assert _stored(artifacts_dir) == 1


def test_deleting_a_registered_model_takes_the_traces_of_its_experiment(
    tenant, artifacts_dir, django_capture_on_commit_callbacks
):
    model = registry.model_create(project=tenant.project, name="m")
    trace = _start(tenant.project, model.experiment)
    upload(trace.package, "traces.json", b"{}")
    with django_capture_on_commit_callbacks(execute=True):
        registry.model_delete(model=model)
    assert not Trace.objects.exists()
    assert not Package.objects.filter(name__startswith="ml_trace_").exists()
    assert _stored(artifacts_dir) == 0


def test_a_package_left_without_its_trace_is_taken_over_not_a_500(tenant):
    from packages_registry.models import PackageType
    from packages_registry.services import package_get_or_create

    experiment = experiment_create(project=tenant.project, name="e")
    stray = package_get_or_create(
        project=tenant.project,
        name=f"ml_trace_{experiment.iid}",
        version="tr-1",
        package_type=PackageType.ML_MODEL,
    )
    assert _start(tenant.project, experiment, trace_id="tr-1").package == stray


def test_deleting_a_project_deletes_its_traces_and_their_packages(tenant):
    _start(tenant.project, experiment_create(project=tenant.project, name="e"))
    tenant.project.delete()  # the admin's delete
    assert not Trace.objects.exists() and not Package.objects.exists()


def test_deleting_a_traces_package_deletes_the_trace(tenant):
    from packages_registry.services import package_delete

    trace = _start(tenant.project, experiment_create(project=tenant.project, name="e"))
    package_delete(package=trace.package)  # e.g. a maintainer through the packages API
    assert not Trace.objects.exists()
