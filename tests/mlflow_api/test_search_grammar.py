"""The one MLflow search grammar (mlflow_api.search_grammar), including hostile input: it only ever yields
domain comparisons or a reasoned error, the same way for runs, experiments, logged models, registered models
and model versions."""

import pytest

from mlflow_api.search_grammar import (
    EXPERIMENTS,
    LOGGED_MODELS,
    MODEL_VERSIONS,
    REGISTERED_MODELS,
    RUNS,
    candidate_filter_parse,
    filter_parse,
    order_parse,
)
from projects.errors import InvalidValueError
from projects.querying import Comparison, OrderKey


def search_filter_parse(text):
    return filter_parse(text, RUNS)


def search_order_parse(items):
    return order_parse(items, RUNS)


pytestmark = pytest.mark.smoke


def test_empty_filter_is_no_comparison():
    assert search_filter_parse("") == []
    assert search_filter_parse("   ") == []


def test_every_entity_and_operator_parses():
    text = (
        "metrics.acc >= 0.9 and params.lr = '0.01' AND tags.`mlflow.runName` LIKE 'r%' "
        "AND attributes.status IN ('FINISHED', 'FAILED') AND attribute.run_id NOT IN ('a') "
        "AND run.start_time < 1700000000000 AND params.\"my param\" ILIKE '%X%' AND tags.group != 'odd' "
        "AND params.opt IS NULL AND tags.t IS NOT NULL AND metrics.val.loss < -1e-3"
    )
    assert search_filter_parse(text) == [
        Comparison("metric", "acc", ">=", 0.9),
        Comparison("param", "lr", "=", "0.01"),
        Comparison("tag", "mlflow.runName", "LIKE", "r%"),
        Comparison("attribute", "status", "IN", ("FINISHED", "FAILED")),
        Comparison("attribute", "eid", "NOT IN", ("a",)),
        Comparison("attribute", "start_time", "<", 1700000000000.0),
        Comparison("param", "my param", "ILIKE", "%X%"),
        Comparison("tag", "group", "!=", "odd"),
        Comparison("param", "opt", "IS NULL", None),
        Comparison("tag", "t", "IS NOT NULL", None),
        Comparison("metric", "val.loss", "<", -0.001),
    ]


def test_bare_identifier_is_an_attribute_and_aliases_resolve():
    assert search_filter_parse("status = 'RUNNING'") == [Comparison("attribute", "status", "=", "RUNNING")]
    assert search_filter_parse("`Run Name` = 'x'") == [Comparison("attribute", "name", "=", "x")]
    assert search_filter_parse("attributes.created > 5") == [Comparison("attribute", "start_time", ">", 5.0)]


def test_quotes_inside_strings_are_doubled():
    assert search_filter_parse("params.p = 'it''s'")[0].value == "it's"
    assert search_filter_parse('tags.t = "say ""hi"""')[0].value == 'say "hi"'


@pytest.mark.parametrize(
    "text, reason",
    [
        ("metrics.acc >>> 1", "Expected numeric value"),
        ("metrics.acc > 'high'", "Expected numeric value"),
        ("params.p = 3", "Expected a quoted string"),
        ("params.p IN ('a')", "Invalid comparator 'IN'"),
        ("metrics.a > 1 OR metrics.b > 2", "'OR'"),
        ("foo.bar = 'x'", "Invalid entity type 'foo'"),
        ("attributes.nope = 'x'", "Invalid attribute key 'nope'"),
        ("params.p = 'unbalanced", "unexpected character"),
        ("params.`p = 'x'", "unexpected character"),
        ("params.p = 'a' AND", "unexpected end of input"),
        ("params.p", "unexpected end of input"),
        ("attributes.status IN ('a', 'b'", "unexpected end of input"),
        ("attributes.status IN 'a'", "parenthesised list"),
        ("metrics.acc > 1 metrics.b > 2", "expected AND"),
        ("params.p = 'a'; DROP TABLE candidates_candidate; --", "unexpected character"),
        ("params.p = 'a' UNION SELECT digest FROM projects_accesstoken", "expected AND"),
        ("metrics.\x00 > 1", "unexpected character"),
    ],
)
def test_malformed_filters_are_refused_with_the_reason(text, reason):
    with pytest.raises(InvalidValueError) as exc:
        search_filter_parse(text)
    assert reason in exc.value.message


def test_injection_text_inside_a_string_is_only_a_value():
    hostile = "x' OR '1'='1"
    (comparison,) = search_filter_parse("params.p = 'x'' OR ''1''=''1'")
    assert comparison == Comparison("param", "p", "=", hostile)


def test_huge_input_is_refused_quickly():
    with pytest.raises(InvalidValueError, match="too long"):
        search_filter_parse("params.p = '" + "a" * 200_000 + "'")
    many = " AND ".join(f"params.p{i} = 'v'" for i in range(600))
    with pytest.raises(InvalidValueError, match="more than 500 comparisons"):
        search_filter_parse(many)


def test_order_by_parses_directions_and_quoted_keys():
    assert search_order_parse(["metrics.acc DESC", "params.`my p` asc", "start_time"]) == [
        OrderKey("metric", "acc", False),
        OrderKey("param", "my p", True),
        OrderKey("attribute", "start_time", True),
    ]


@pytest.mark.parametrize("clause", ["metrics.acc SIDEWAYS", "metrics.acc DESC extra", "", "nope DESC"])
def test_bad_order_by_is_refused(clause):
    with pytest.raises(InvalidValueError):
        search_order_parse([clause])


def test_duplicate_order_by_is_refused():
    with pytest.raises(InvalidValueError, match="duplicate"):
        search_order_parse(["metrics.a", "metrics.a DESC"])


ALL_GRAMMARS = [RUNS, EXPERIMENTS, LOGGED_MODELS, REGISTERED_MODELS, MODEL_VERSIONS]


@pytest.mark.parametrize("grammar", ALL_GRAMMARS)
def test_quoted_and_and_doubled_quotes_are_values_in_every_grammar(grammar):
    (comparison,) = filter_parse("tags.note = 'a AND b'", grammar)
    assert comparison == Comparison("tag", "note", "=", "a AND b")
    assert filter_parse("tags.`my key` = 'it''s' AND tags.b != \"x AND y\"", grammar) == [
        Comparison("tag", "my key", "=", "it's"),
        Comparison("tag", "b", "!=", "x AND y"),
    ]
    assert filter_parse("name = 'it''s AND it''s'", grammar if grammar is not RUNS else EXPERIMENTS)[
        0
    ].value == ("it's AND it's")


@pytest.mark.parametrize("grammar", ALL_GRAMMARS)
def test_every_grammar_refuses_or_and_unknown_keys(grammar):
    with pytest.raises(InvalidValueError, match="'OR'"):
        filter_parse("tags.a = 'x' OR tags.b = 'y'", grammar)
    with pytest.raises(InvalidValueError, match="Invalid attribute key 'colour'"):
        filter_parse("colour = 'red'", grammar)


def test_each_grammar_maps_attributes_to_domain_keys():
    assert filter_parse("experiment_id IN ('1') AND creation_time > 5", EXPERIMENTS) == [
        Comparison("attribute", "iid", "IN", ("1",)),
        Comparison("attribute", "created_at", ">", 5.0),
    ]
    assert filter_parse("name = 'm' AND version_number >= '2' AND run_id = 'r'", MODEL_VERSIONS) == [
        Comparison("attribute", "model_name", "=", "m"),
        Comparison("attribute", "version", ">=", 2),
        Comparison("attribute", "candidate_eid_hex", "=", "r"),
    ]
    assert filter_parse("attributes.source_path LIKE 'runs:/%'", MODEL_VERSIONS) == [
        Comparison("attribute", "source", "LIKE", "runs:/%")
    ]
    assert filter_parse("metrics.acc > 0.5 AND params.lr = '1' AND model_id = 'm-1'", LOGGED_MODELS) == [
        Comparison("metric", "acc", ">", 0.5),
        Comparison("param", "lr", "=", "1"),
        Comparison("attribute", "eid", "=", "m-1"),
    ]
    assert order_parse(["timestamp DESC", "name"], REGISTERED_MODELS) == [
        OrderKey("attribute", "updated_at", False),
        OrderKey("attribute", "name", True),
    ]


@pytest.mark.parametrize(
    "grammar, text",
    [
        (REGISTERED_MODELS, "name > 'a'"),
        (REGISTERED_MODELS, "metrics.acc > 1"),
        (REGISTERED_MODELS, "name = b"),
        (MODEL_VERSIONS, "run_id LIKE 'x%'"),
        (MODEL_VERSIONS, "version_number = 'one'"),
        (MODEL_VERSIONS, "version_number = 1.5"),
        (EXPERIMENTS, "metrics.x > 1"),
        (EXPERIMENTS, "creation_time = 'yesterday'"),
        (LOGGED_MODELS, "metrics.acc > 'high'"),
        (LOGGED_MODELS, "params.lr IS NULL"),
    ],
)
def test_each_grammar_refuses_what_mlflow_refuses(grammar, text):
    with pytest.raises(InvalidValueError):
        filter_parse(text, grammar)


def test_order_by_of_other_entities_is_refused_where_mlflow_refuses_it():
    with pytest.raises(InvalidValueError):
        order_parse(["tags.suite"], EXPERIMENTS)
    with pytest.raises(InvalidValueError):
        order_parse(["name SIDEWAYS"], REGISTERED_MODELS)
    with pytest.raises(InvalidValueError):
        order_parse(["colour ASC"], MODEL_VERSIONS)


def test_the_dashboard_filter_box_is_the_runs_grammar():
    text = "metrics.acc > 0.5 AND tags.note = 'a AND b'"
    assert candidate_filter_parse(text) == filter_parse(text, RUNS)
    with pytest.raises(InvalidValueError):
        candidate_filter_parse("metrics.acc >")
