"""The `mlflow.run_context_provider` entry point: MLflow asks it for tags whenever a run starts."""

import os

from mlflow.tracking.context.abstract_context import RunContextProvider

from . import ci_tags


class CiRunContext(RunContextProvider):
    def in_context(self) -> bool:
        return bool(ci_tags(os.environ))

    def tags(self) -> dict[str, str]:
        return ci_tags(os.environ)
