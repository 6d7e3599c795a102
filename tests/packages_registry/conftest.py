from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture for every test here
