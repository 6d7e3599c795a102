"""Access token pages, at GitLab's URLs: project tokens under /<project>/-/settings/ (config/urls.py passes the
project prefix), personal ones under /-/user_settings/."""

from django.urls import re_path

from . import token_views as views

TOKEN_ID = r"(?P<token_id>[0-9]{1,18})"


def project_urlpatterns(project_prefix: str) -> list:
    base = project_prefix + "settings/access_tokens"
    return [
        re_path(base + "$", views.project_access_tokens, name="project_access_tokens"),
        re_path(
            rf"{base}/{TOKEN_ID}/revoke$",
            views.project_access_token_revoke,
            name="project_access_token_revoke",
        ),
    ]


_PERSONAL = r"^-/user_settings/personal_access_tokens"

personal_urlpatterns = [
    re_path(_PERSONAL + "$", views.personal_access_tokens, name="personal_access_tokens"),
    re_path(
        rf"{_PERSONAL}/{TOKEN_ID}/revoke$",
        views.personal_access_token_revoke,
        name="personal_access_token_revoke",
    ),
]
