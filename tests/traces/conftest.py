from tests.model_registry.factories import artifacts_dir  # noqa: F401 - fixture for this folder
