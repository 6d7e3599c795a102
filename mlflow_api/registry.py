"""MLflow registry endpoints (filled in by its issue)."""

urlpatterns: list = []
