"""MLflow experiments endpoints (filled in by its issue)."""

urlpatterns: list = []
