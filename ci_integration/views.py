from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from .selectors import assay_status
from .workers import workers_ping


@staff_member_required
def status(request):
    """Queue depths, live workers and stuck work, for operators (staff only)."""
    return render(request, "ci_integration/status.html", {"status": assay_status(), "ping": workers_ping()})
