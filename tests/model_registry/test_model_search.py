"""Model list search: by name substring, case-insensitive, paginated with a fixed query count, escaped."""

from model_registry import services
from tests.model_registry.edit_fixtures import XSS, dev, models_url  # noqa: F401 - fixtures


def test_search_by_name_substring(dev, tenant, other_tenant, assert_query_count):  # noqa: F811
    for name in ("fraud-detector", "Fraud-v2", "churn"):
        services.model_create(project=tenant.project, name=name)
    services.model_create(project=other_tenant.project, name="fraud-secret")
    with assert_query_count("model_list_search"):
        response = dev.get(models_url(tenant.project), {"q": "FRAUD"})
    html = response.content.decode()
    assert 'data-model="fraud-detector"' in html and 'data-model="Fraud-v2"' in html
    assert "churn" not in html and "fraud-secret" not in html
    assert 'value="FRAUD"' in html


def test_search_pages_keep_the_query(dev, tenant):  # noqa: F811
    for i in range(23):
        services.model_create(project=tenant.project, name=f"m{i:02d}")
    services.model_create(project=tenant.project, name="other")
    first = dev.get(models_url(tenant.project), {"q": "m"})
    assert first.content.decode().count("data-model=") == 20 and b"?q=m&amp;page=2" in first.content
    second = dev.get(models_url(tenant.project), {"q": "m", "page": 2})
    assert second.content.decode().count("data-model=") == 3


def test_no_match_and_escaped_search(dev, tenant):  # noqa: F811
    services.model_create(project=tenant.project, name="fraud")
    html = dev.get(models_url(tenant.project), {"q": XSS}).content.decode()
    assert 'id="no-match"' in html and "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
