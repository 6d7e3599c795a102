from django.urls import path

from . import views

app_name = "ci_integration"
urlpatterns = [
    path("status", views.status, name="status"),
]
