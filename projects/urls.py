from django.urls import path

from . import views

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("users/sign_in", views.SignInView.as_view(), name="sign_in"),
    path("users/sign_out", views.sign_out, name="sign_out"),
]
