"""Routes (filled in by its issue)."""

urlpatterns: list = []
