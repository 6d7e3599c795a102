from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import project_list_for_user


class SignInView(LoginView):
    template_name = "projects/sign_in.html"
    redirect_authenticated_user = True


def sign_in_locked(request, original_response=None, credentials=None):
    """What django-axes answers (AXES_LOCKOUT_CALLABLE) while an account+address pair is locked: a page, 429."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    return render(request, "projects/sign_in_locked.html", context, status=429)


@require_POST
def sign_out(request):
    logout(request)
    return redirect("sign_in")


@login_required
def project_list(request):
    return render(
        request, "projects/project_list.html", {"projects": project_list_for_user(user=request.user)}
    )
