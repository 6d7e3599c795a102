from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from .selectors import assay_status


@staff_member_required
def status(request):
    """Queue depths and stuck work, for operators (staff only)."""
    return render(request, "ci_integration/status.html", {"status": assay_status()})
