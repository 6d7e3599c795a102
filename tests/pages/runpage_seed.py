"""Seeding for the candidate page's artifact, model and image-series tests: files written through the package
registry's upload service into a temporary `artifacts` storage, logged models through their services."""

import io
import json

from packages_registry.ingestion import parse_mlmodel
from packages_registry.logged_models import logged_model_create
from packages_registry.models import PackageFile
from packages_registry.services import candidate_package_get_or_create, package_file_upload


def mlmodel_text(*, model_id: str, column: str) -> str:
    inputs = json.dumps(
        [{"type": "double", "name": column, "required": True}, {"type": "double", "name": "width"}]
    )
    outputs = json.dumps([{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}])
    quote = lambda text: "'" + text.replace("'", "''") + "'"  # noqa: E731 - YAML single-quoted scalar
    return (
        "artifact_path: model\nflavors:\n  python_function: {loader_module: mlflow.sklearn}\n"
        f"  sklearn: {{sklearn_version: 1.5.0}}\nmodel_id: {model_id}\nsignature:\n"
        f"  inputs: {quote(inputs)}\n  outputs: {quote(outputs)}\n"
    )


def upload(package, path: str, data: bytes | str) -> PackageFile:
    data = data.encode() if isinstance(data, str) else data
    return package_file_upload(package=package, path=path, stream=io.BytesIO(data), content_length=len(data))


def png(shade: int = 0) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, shade, shade)).save(out, format="PNG")
    return out.getvalue()


def seed_artifacts(candidate, files: dict[str, bytes | str]):
    package = candidate_package_get_or_create(candidate=candidate)
    for path, data in files.items():
        upload(package, path, data)
    return package


def seed_image_series(candidate, key: str = "samples", steps: int = 3):
    files = {}
    for step in range(steps):
        base = f"images/{key}+step+{step}+timestamp+{1700000000000 + step}+{step:08d}-0000-0000-0000-000000000000"
        files[f"{base}.png"] = png(60 * step)
        files[f"{base}+compressed.webp"] = png(60 * step)
    return seed_artifacts(candidate, files)


def seed_logged_model(candidate, *, name="iris-model", column="length", status="LOGGED_MODEL_READY", files=7):
    model = logged_model_create(
        project=candidate.project, experiment=candidate.experiment, name=name, source_candidate=candidate
    )
    model.status = status
    model.save(update_fields=["status"])
    text = mlmodel_text(model_id=model.model_id, column=column)
    mlmodel = upload(model.package, "MLmodel", text)
    PackageFile.objects.filter(pk=mlmodel.pk).update(metadata=parse_mlmodel(text.encode()))
    for i in range(files - 1):
        upload(model.package, f"file-{i}.txt", f"content {i}")
    return model
