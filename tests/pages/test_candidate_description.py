"""The candidate description (`mlflow.note.content`): shown as sanitised Markdown, edited by developers only."""

import pytest

from candidates.models import CandidateMetadata
from tests.pages.conftest import add_metadata, seed_experiment, signed_in

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


@pytest.fixture
def candidate(tenant):
    _, candidates = seed_experiment(tenant.project, candidates=1)
    return candidates[0]


def _url(tenant, candidate, rest=""):
    return f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/{rest}"


def _note(candidate):
    return CandidateMetadata.objects.filter(candidate=candidate, name="mlflow.note.content").first()


def test_description_is_rendered_as_markdown(owner_client, tenant, candidate):
    add_metadata(candidate, mlflow__note__content="# Baseline\n\nA **bold** claim.\n\n- one\n- two\n")
    html = owner_client.get(_url(tenant, candidate)).content.decode()
    text = html[html.index('id="description-text"') :]
    assert "<h1>Baseline</h1>" in text and "<strong>bold</strong>" in text and "<li>one</li>" in text


def test_description_markdown_is_sanitised(owner_client, tenant, candidate):
    add_metadata(candidate, mlflow__note__content=f"{XSS}\n\n[x](javascript:alert(3)) <iframe src=//evil>")
    html = owner_client.get(_url(tenant, candidate)).content.decode()
    text = html[
        html.index('id="description-text"') : html.index("</section>", html.index('id="description-text"'))
    ]
    assert "<img" not in text and "<script" not in text and "<iframe" not in text
    assert 'href="javascript:' not in text
    assert "&lt;script&gt;" in text


def test_developer_edits_the_description(developer_client, tenant, candidate):
    response = developer_client.post(_url(tenant, candidate, "description"), {"description": "New *text*"})
    assert response.status_code == 302 and response["Location"].endswith("/#description")
    assert _note(candidate).value == "New *text*"
    html = developer_client.get(_url(tenant, candidate)).content.decode()
    assert "<em>text</em>" in html and 'id="description-form"' in html
    developer_client.post(_url(tenant, candidate, "description"), {"description": "  "})
    assert _note(candidate) is None


def test_reporter_sees_no_form_and_cannot_edit(reporter_client, tenant, candidate):
    add_metadata(candidate, mlflow__note__content="kept")
    assert 'id="description-form"' not in reporter_client.get(_url(tenant, candidate)).content.decode()
    response = reporter_client.post(_url(tenant, candidate, "description"), {"description": "changed"})
    assert response.status_code == 404
    assert _note(candidate).value == "kept"


def test_other_tenant_gets_404(tenant, other_tenant, candidate):
    client = signed_in(other_tenant.owner)
    response = client.post(_url(tenant, candidate, "description"), {"description": "x"})
    assert response.status_code == 404
    assert _note(candidate) is None


def test_too_long_description_is_refused_with_a_message(developer_client, tenant, candidate):
    response = developer_client.post(
        _url(tenant, candidate, "description"), {"description": "x" * 8001}, follow=True
    )
    assert "The description was not saved" in response.content.decode()
    assert _note(candidate) is None


def test_get_is_not_allowed(developer_client, tenant, candidate):
    assert developer_client.get(_url(tenant, candidate, "description")).status_code == 405
