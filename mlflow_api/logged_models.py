"""MLflow logged models endpoints (filled in by its issue)."""

urlpatterns: list = []
