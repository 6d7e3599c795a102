"""Who made a candidate: the account of the token that created it, not what the client claims (`mlflow.user`)."""

import csv
import io
import re

from candidates.models import Candidate
from experiments.services import experiment_create
from tests.conftest import Api
from tests.pages.conftest import exp_url, signed_in

R = "api/2.0/mlflow/runs/"


def _spoofed_run(client, tenant) -> Candidate:
    """A run created with the developer's token while the client says it is `root` (anyone can send that)."""
    experiment = experiment_create(project=tenant.project, name="identity", user=tenant.developer)
    api = Api(client, tenant.project, tenant.write_token)
    body = api.post(
        R + "create",
        {
            "experiment_id": str(experiment.iid),
            "user_id": "root",
            "tags": [{"key": "mlflow.user", "value": "root"}],
        },
    ).json()
    return Candidate.objects.get(eid=body["run"]["info"]["run_id"])


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_candidate_records_the_token_account(client, tenant):
    candidate = _spoofed_run(client, tenant)
    assert candidate.user_id == tenant.developer.pk
    assert candidate.user_name == "root"


def test_candidate_page_shows_the_account_and_the_client_claim_as_secondary(client, tenant):
    candidate = _spoofed_run(client, tenant)
    html = (
        signed_in(tenant.reporter)
        .get(f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/")
        .content.decode()
    )
    text = _text(html)
    assert f"User {tenant.developer.username} (reported by client: root)" in text
    assert "User root" not in text


def test_experiment_table_and_csv_show_the_account(client, tenant):
    candidate = _spoofed_run(client, tenant)
    page = signed_in(tenant.reporter).get(exp_url(tenant, candidate.experiment))
    cells = re.findall(r'<td class="user">(.*?)</td>', page.content.decode(), re.S)
    assert len(cells) == 1
    assert _text(cells[0]).strip() == f"{tenant.developer.username} (reported by client: root)"
    r = signed_in(tenant.reporter).get(exp_url(tenant, candidate.experiment, "candidates.csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert (rows[0]["user"], rows[0]["reported_user"]) == (tenant.developer.username, "root")


def test_the_client_claim_is_not_repeated_when_it_matches_the_account(client, tenant):
    experiment = experiment_create(project=tenant.project, name="plain", user=tenant.developer)
    api = Api(client, tenant.project, tenant.write_token)
    run_id = api.post(R + "create", {"experiment_id": str(experiment.iid)}).json()["run"]["info"]["run_id"]
    candidate = Candidate.objects.get(eid=run_id)
    html = (
        signed_in(tenant.reporter)
        .get(f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/")
        .content.decode()
    )
    assert f"User {tenant.developer.username} Artifact URI" in _text(html)
    assert "reported by client" not in html


def test_mlflow_user_id_stays_what_the_client_sent(client, tenant):
    # The reference server returns the client's user_id; the API keeps MLflow's answer.
    candidate = _spoofed_run(client, tenant)
    api = Api(client, tenant.project, tenant.read_token)
    info = api.get(R + "get", {"run_id": candidate.eid_hex}).json()["run"]["info"]
    assert info["user_id"] == "root"
