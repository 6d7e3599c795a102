"""MLflow runs endpoints (filled in by its issue)."""

urlpatterns: list = []
