"""registered-models/search and model-versions/search: filter grammar, order_by, paging, refusals."""

import pytest

from tests.model_registry.factories import make_candidate

SEARCH_MODELS = "api/2.0/mlflow/registered-models/search"
SEARCH_VERSIONS = "api/2.0/mlflow/model-versions/search"


@pytest.fixture
def catalogue(api, tenant):
    """Models b-cat, a-dog (tag team=x), A-cow; a-dog has versions 1..3 from two runs."""
    for name, tags in (("b-cat", []), ("a-dog", [{"key": "team", "value": "x"}]), ("A-cow", [])):
        api.post("api/2.0/mlflow/registered-models/create", {"name": name, "tags": tags})
    runs = [make_candidate(tenant.project, name="r1"), make_candidate(tenant.project, name="r2")]
    for run in (runs[0], runs[0], runs[1]):
        api.post(
            "api/2.0/mlflow/model-versions/create", {"name": "a-dog", "source": f"runs:/{run.eid_hex}/model"}
        )
    api.post(
        "api/2.0/mlflow/model-versions/set-tag",
        {"name": "a-dog", "version": "2", "key": "ok", "value": "yes"},
    )
    return runs


def _names(response):
    assert response.status_code == 200, response.content
    return [m["name"] for m in response.json()["registered_models"]]


def _versions(response):
    assert response.status_code == 200, response.content
    return [v["version"] for v in response.json()["model_versions"]]


@pytest.mark.smoke
def test_models_filter_by_name_like_ilike_and_tags(api, catalogue):
    assert _names(api.get(SEARCH_MODELS, {"filter": "name = 'b-cat'"})) == ["b-cat"]
    assert _names(api.get(SEARCH_MODELS, {"filter": "name LIKE 'a-%'"})) == ["a-dog"]
    assert _names(api.get(SEARCH_MODELS, {"filter": "name ILIKE 'a-%'", "order_by": "name ASC"})) == [
        "A-cow",
        "a-dog",
    ]
    assert _names(api.get(SEARCH_MODELS, {"filter": "name != 'b-cat' AND tags.team = 'x'"})) == ["a-dog"]
    assert _names(api.get(SEARCH_MODELS, {"filter": "tags.`team` LIKE '%'"})) == ["a-dog"]


def test_models_order_by_and_paging(api, catalogue):
    first = api.get(SEARCH_MODELS, {"max_results": 2, "order_by": ["name DESC"]})
    assert _names(first) == ["b-cat", "a-dog"]
    token = first.json()["next_page_token"]
    second = api.get(SEARCH_MODELS, {"max_results": 2, "order_by": ["name DESC"], "page_token": token})
    assert _names(second) == ["A-cow"]
    assert "next_page_token" not in second.json()
    newest_first = _names(api.get(SEARCH_MODELS, {"order_by": "last_updated_timestamp DESC"}))
    assert sorted(newest_first) == ["A-cow", "a-dog", "b-cat"]


def test_models_search_carries_latest_versions(api, catalogue):
    [model] = api.get(SEARCH_MODELS, {"filter": "name = 'a-dog'"}).json()["registered_models"]
    assert [v["version"] for v in model["latest_versions"]] == ["3"]
    assert model["tags"] == [{"key": "team", "value": "x"}]


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "name = "},
        {"filter": "name = b-cat"},
        {"filter": "owner = 'me'"},
        {"filter": "name > 'a'"},
        {"filter": "name = 'a' OR name = 'b'"},
        {"order_by": "colour ASC"},
        {"order_by": "name SIDEWAYS"},
        {"max_results": 0},
        {"max_results": 1001},
        {"page_token": "not-a-token"},
    ],
)
def test_models_search_refuses_malformed_requests(api, catalogue, params):
    response = api.get(SEARCH_MODELS, params)
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_versions_filter_by_name_run_id_tags_and_number(api, catalogue):
    r1, r2 = catalogue
    assert sorted(_versions(api.get(SEARCH_VERSIONS, {"filter": "name = 'a-dog'"}))) == ["1", "2", "3"]
    assert sorted(_versions(api.get(SEARCH_VERSIONS, {"filter": f"run_id = '{r1.eid_hex}'"}))) == ["1", "2"]
    both = api.get(SEARCH_VERSIONS, {"filter": f"run_id IN ('{r1.eid_hex}', '{r2.eid_hex}')"})
    assert sorted(_versions(both)) == ["1", "2", "3"]
    assert _versions(api.get(SEARCH_VERSIONS, {"filter": "tags.ok = 'yes'"})) == ["2"]
    assert _versions(api.get(SEARCH_VERSIONS, {"filter": "name = 'a-dog' AND version_number > 2"})) == ["3"]
    like = api.get(SEARCH_VERSIONS, {"filter": f"source_path LIKE 'runs:/{r2.eid_hex}/%'"})
    assert _versions(like) == ["3"]
    assert _versions(api.get(SEARCH_VERSIONS, {"filter": "name = 'b-cat'"})) == []


def test_versions_order_and_paging(api, catalogue):
    params = {"filter": "name = 'a-dog'", "order_by": ["version_number ASC"], "max_results": 2}
    first = api.get(SEARCH_VERSIONS, params)
    assert _versions(first) == ["1", "2"]
    second = api.get(SEARCH_VERSIONS, {**params, "page_token": first.json()["next_page_token"]})
    assert _versions(second) == ["3"]


@pytest.mark.parametrize(
    "text", ["run_id LIKE 'x%'", "version_number = 'one'", "run_id IN 'a'", "stage = 'x'"]
)
def test_versions_search_refuses_malformed_filters(api, catalogue, text):
    response = api.get(SEARCH_VERSIONS, {"filter": text})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_tag_not_equal_matches_models_without_the_tag(api, catalogue):
    # The 3.x client appends this clause to every search_registered_models call.
    text = "name LIKE '%-%' AND tags.`mlflow.prompt.is_prompt` != 'true'"
    assert sorted(_names(api.get(SEARCH_MODELS, {"filter": text}))) == ["A-cow", "a-dog", "b-cat"]
    assert _names(api.get(SEARCH_MODELS, {"filter": "tags.team != 'x'", "order_by": "name"})) == [
        "A-cow",
        "b-cat",
    ]


def test_search_query_count_does_not_grow_with_results(api, catalogue, tenant, assert_query_count):
    run = catalogue[0]
    # auth + one query per prefetched relation, whatever the page size. Django skips a nested prefetch when the
    # outer one found nothing, so every relation (tags, versions, aliases) is non-empty at both sizes.
    for i in range(6):
        api.post(
            "api/2.0/mlflow/registered-models/create",
            {"name": f"extra-{i}", "tags": [{"key": "k", "value": "v"}]},
        )
        api.post(
            "api/2.0/mlflow/model-versions/create", {"name": f"extra-{i}", "source": f"runs:/{run.eid_hex}/m"}
        )
        api.post(
            "api/2.0/mlflow/registered-models/alias", {"name": f"extra-{i}", "alias": "a", "version": "1"}
        )
        if i in (0, 5):
            with assert_query_count("search_registered_models"):
                assert len(_names(api.get(SEARCH_MODELS))) == 4 + i
            with assert_query_count("search_model_versions"):
                assert len(_versions(api.get(SEARCH_VERSIONS))) == 4 + i
