"""Access token pages, GitLab's URLs: project access tokens at /<project>/-/settings/access_tokens (maintainers
and owners) and personal access tokens at /-/user_settings/personal_access_tokens (any signed-in user, for
themselves). A new token's secret is in the answer to the POST that created it and nowhere else: it is not
stored, not put in the session, and the answer is `Cache-Control: no-store`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .decorators import project_page
from .errors import InvalidValueError, NotFoundError
from .models import Role
from .selectors import (
    access_token_is_active,
    personal_access_token_get,
    personal_access_token_list,
    project_access_token_get,
    project_access_token_list,
)
from .services import access_token_revoke, personal_access_token_create, project_access_token_create
from .token_forms import PersonalAccessTokenForm, ProjectAccessTokenForm


def _created(token, secret: str) -> dict:
    return {"token": token, "secret": secret}


def _listed(tokens) -> list:
    """The tokens with what the table shows: `state` (active, revoked, expired, inactive) and `role_label`."""
    rows, now = list(tokens), timezone.now()
    for token in rows:
        if token.revoked_at is not None:
            token.state = "revoked"
        elif token.expires_at is not None and token.expires_at <= now:
            token.state = "expired"
        else:
            token.state = "active" if access_token_is_active(token) else "inactive"
        level = getattr(token, "access_level", None)
        token.role_label = Role(level).label if level in Role.values else "—"
    return rows


@require_http_methods(["GET", "POST"])
@never_cache
@project_page(min_role=Role.MAINTAINER)
def project_access_tokens(request, project_path):
    project, role = request.project, request.project_role
    form = ProjectAccessTokenForm(request.POST or None, creator_role=role)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = project_access_token_create(
                project=project,
                creator_role=role,
                name=form.cleaned_data["name"],
                scopes=[form.cleaned_data["scope"]],
                access_level=form.cleaned_data["access_level"],
                expires_on=form.cleaned_data["expires_at"],
            )
        except InvalidValueError as exc:
            form.add_error(None, exc.message)
        else:
            created = _created(token, secret)
            form = ProjectAccessTokenForm(creator_role=role)
    context = {
        "nav": "access_tokens",
        "project": project,
        "form": form,
        "created": created,
        "tokens": _listed(project_access_token_list(project=project)),
        "revoke_base": reverse("project_access_tokens", kwargs={"project_path": project.path}),
    }
    return render(request, "projects/access_tokens.html", context)


@require_POST
@project_page(min_role=Role.MAINTAINER)
def project_access_token_revoke(request, project_path, token_id):
    try:
        token = project_access_token_get(project=request.project, token_id=int(token_id))
    except NotFoundError:
        messages.error(request, "That token is not one of this project's.")
    else:
        access_token_revoke(token=token)
        messages.success(request, f"Revoked the project access token “{token.name}”.")
    return redirect("project_access_tokens", project_path=request.project.path)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def personal_access_tokens(request):
    form = PersonalAccessTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = personal_access_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=[form.cleaned_data["scope"]],
                expires_on=form.cleaned_data["expires_at"],
            )
        except InvalidValueError as exc:
            form.add_error(None, exc.message)
        else:
            created = _created(token, secret)
            form = PersonalAccessTokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": _listed(personal_access_token_list(user=request.user)),
        "revoke_base": reverse("personal_access_tokens"),
    }
    return render(request, "projects/personal_access_tokens.html", context)


@require_POST
@login_required
def personal_access_token_revoke(request, token_id):
    try:
        token = personal_access_token_get(user=request.user, token_id=int(token_id))
    except NotFoundError:
        messages.error(request, "That token is not one of yours.")
    else:
        access_token_revoke(token=token)
        messages.success(request, f"Revoked the personal access token “{token.name}”.")
    return redirect("personal_access_tokens")
