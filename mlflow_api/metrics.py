"""MLflow metrics endpoints (filled in by its issue)."""

urlpatterns: list = []
