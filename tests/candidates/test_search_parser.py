"""The MLflow filter grammar parser, including hostile input: it only ever yields comparisons or a reasoned error."""

import pytest

from candidates.search import (
    Comparison,
    OrderKey,
    page_token_decode,
    page_token_encode,
    search_filter_parse,
    search_order_parse,
)
from projects.errors import InvalidValueError

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
        Comparison("attribute", "run_id", "NOT IN", ("a",)),
        Comparison("attribute", "start_time", "<", 1700000000000.0),
        Comparison("param", "my param", "ILIKE", "%X%"),
        Comparison("tag", "group", "!=", "odd"),
        Comparison("param", "opt", "IS NULL", None),
        Comparison("tag", "t", "IS NOT NULL", None),
        Comparison("metric", "val.loss", "<", -0.001),
    ]


def test_bare_identifier_is_an_attribute_and_aliases_resolve():
    assert search_filter_parse("status = 'RUNNING'") == [Comparison("attribute", "status", "=", "RUNNING")]
    assert search_filter_parse("`Run Name` = 'x'") == [Comparison("attribute", "run_name", "=", "x")]
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


def test_page_token_round_trip_and_garbage():
    assert page_token_decode(page_token_encode(40)) == 40
    assert page_token_decode(None) == 0
    for garbage in ("!!!", page_token_encode(-1), "eyJvZmZzZXQiOiAiYSJ9"):
        with pytest.raises(InvalidValueError):
            page_token_decode(garbage)
