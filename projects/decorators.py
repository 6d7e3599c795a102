"""Guards for project pages: sign-in, membership with a minimum role (404 for non-members), request.project."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from .models import Role
from .selectors import project_get_by_ref, project_role_for_user


def project_page(min_role: int = Role.REPORTER):
    """Wrap `view(request, project_path, ...)`; sets request.project and request.project_role.

    Anonymous users go to sign-in; users below `min_role` (or not members) get 404 so a project's existence is
    not revealed.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, project_path, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            project = project_get_by_ref(ref=project_path)
            role = project_role_for_user(project=project, user=request.user) if project else None
            if role is None or role < min_role:
                raise Http404("Project not found")
            request.project = project
            request.project_role = role
            return view(request, project_path, *args, **kwargs)

        return wrapper

    return decorator


def role_at_least(request, role: int) -> bool:
    return getattr(request, "project_role", 0) >= role
