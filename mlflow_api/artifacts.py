"""MLflow artifacts endpoints (filled in by its issue)."""

urlpatterns: list = []
