"""GET <tracking URI>/ : the page behind the links the MLflow client prints.

At the end of a run the client prints `<tracking URI>/#/experiments/<id>/runs/<run id>` (and the experiment's
link without `/runs/…`): MLflow's own UI routes by the fragment, which never reaches the server. This tiny page
carries the dashboard's link resolver URL; static/mlflow_link.js reads the fragment and goes there with
`?experiment=<id>&run=<32 hex>`. The resolver (pages/link_views.py) signs the user in (`next=` keeps the query)
and looks the objects up through the project the user may see. The page itself reads nothing from the database
and says nothing about the project.
"""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt

from .errors import error_response

# The API paths skip the site-wide policy middleware (config/csp.py), so this page sends its own, as strict.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@csrf_exempt
def tracking_root(request, project_ref: str):
    if request.method not in ("GET", "HEAD"):  # what any other unknown MLflow path answers
        return error_response("ENDPOINT_NOT_FOUND", f"No MLflow endpoint at {request.method} {request.path}")
    try:
        resolver = reverse("mlflow_link", kwargs={"project_path": project_ref})
    except NoReverseMatch:  # a ref no dashboard URL can carry: nothing to resolve against
        resolver = reverse("project_list")
    response = render(request, "mlflow_api/tracking_root.html", {"resolver": resolver})
    response["Content-Security-Policy"] = PAGE_POLICY
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
