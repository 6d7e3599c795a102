from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import project_list_for_user


class SignInView(LoginView):
    template_name = "projects/sign_in.html"
    redirect_authenticated_user = True


@require_POST
def sign_out(request):
    logout(request)
    return redirect("sign_in")


@login_required
def project_list(request):
    return render(
        request, "projects/project_list.html", {"projects": project_list_for_user(user=request.user)}
    )
