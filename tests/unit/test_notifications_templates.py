"""domain.notifications on its own: what a template sees, what it may not do, and the bounds that keep
one request's parsing and rendering small (pystache's parser is quadratic in an unclosed tag or a
long run of blanks: the linear pre-check refuses those first)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from orders_domain.domain.errors import PayloadTooLarge, ValidationFailed
from orders_domain.domain.notifications import (
    MAX_BLANK_RUN,
    MAX_BODY_BYTES,
    MAX_RENDER_STEPS,
    MAX_SECTION_DEPTH,
    Rendering,
    check_template,
    plain,
)

DATA: dict[str, Any] = {
    "order": {
        "number": 42,
        "total": Decimal("12.50"),
        "paid": True,
        "line_items": [{"description": "<b>", "line_number": n} for n in (1, 2)],
    }
}


def render(text: str, data: dict[str, Any] | None = None, *, html_body: bool = True) -> tuple[str, list[str]]:
    rendering = Rendering(DATA if data is None else data)
    out = rendering.render(check_template(text, "body"), html_body=html_body)
    return out, sorted(rendering.unknown)


def refusal(text: str) -> str:
    """The field error of a refused template."""
    with pytest.raises(ValidationFailed) as refused:
        check_template(text, "body")
    (error,) = refused.value.errors
    assert error.field == "body"
    return error.error


def test_the_data_a_template_sees_is_plain_json_with_money_as_its_exact_text() -> None:
    seen = plain({"a": Decimal("12.50"), "b": [Decimal("1E+2"), 3, True, None], "c": object})
    assert seen == {"a": "12.50", "b": ["1E+2", 3, True, None], "c": str(object)}
    assert render("{{order.total}} {{order.paid}} {{order.number}}") == ("12.50 true 42", [])


def test_header_fields_render_as_plain_text_and_the_body_escapes_every_value() -> None:
    text = "{{#order.line_items}}{{description}}{{{description}}}{{& description}}{{/order.line_items}}"
    assert render(text)[0] == "&lt;b&gt;" * 6
    assert render(text, html_body=False)[0] == "<b>" * 6


def test_set_delimiters_work_and_hide_nothing() -> None:
    assert render("{{=<% %>=}}<% order.number %> {{order.number}} <%={{ }}=%>{{order.number}}") == (
        "42 {{order.number}} 42",
        [],
    )
    assert "partial" in refusal("{{=[[ ]]=}}[[> x]]")


def test_a_context_lookup_never_reaches_attributes_or_calls_anything() -> None:
    out, unknown = render(
        "{{order.__class__}}{{order.total.__class__}}{{order.number.real}}{{order.keys}}{{#order.items}}x{{/order.items}}"
    )
    assert out == ""
    assert unknown == [
        "order.__class__",
        "order.items",
        "order.keys",
        "order.number.real",
        "order.total.__class__",
    ]


def test_sections_deeper_than_the_bound_are_a_400() -> None:
    ok = "{{#order}}" * MAX_SECTION_DEPTH + "x" + "{{/order}}" * MAX_SECTION_DEPTH
    assert render(ok)[0] == "x"
    deeper = "{{#order}}" * (MAX_SECTION_DEPTH + 1) + "x" + "{{/order}}" * (MAX_SECTION_DEPTH + 1)
    assert "nest" in refusal(deeper)


def test_nested_sections_over_500_lines_stop_at_the_step_bound_quickly() -> None:
    data = {"order": {"line_items": [{"d": "x"}] * 500}}
    loop = "{{#order.line_items}}"
    end = "{{/order.line_items}}"
    started = time.perf_counter()
    with pytest.raises(PayloadTooLarge, match=str(MAX_RENDER_STEPS)):
        render(loop * 3 + "{{d}}" + end * 3, data)
    with pytest.raises(PayloadTooLarge):
        render(loop * 3 + end * 3, data)  # empty sections count too
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "text",
    [
        "{{ " * 30_000,
        "{{x" * 30_000,
        "{{{x}}" * 15_000,
        "{{=x}} " * 14_000,
        "{{#}}" * 20_000,
        "{{}}" * 25_000,
        " " * 100_000,
        "{{=<% %>=}}" + "<%" * 49_000,
        "{{a {{b}}" * 10_000,
    ],
    ids=["spaces", "unclosed", "raw", "change", "sigil", "empty", "blanks", "delims", "nested"],
)
def test_templates_that_would_make_the_parser_quadratic_are_refused_quickly(text: str) -> None:
    started = time.perf_counter()
    assert refusal(text[:MAX_BODY_BYTES])
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "text",
    [
        ((" " * MAX_BLANK_RUN) + "x") * 790,
        ("{{x" + " " * MAX_BLANK_RUN + "y}}") * 600,
        ("{{" + "\n" * 500 + "x}}") * 190,
        "{{x}}" * 20_000,
        "{{#a}}{{/a}}" * 8_000,
    ],
    ids=["blank-runs", "blank-tags", "newline-tags", "many-tags", "many-sections"],
)
def test_the_largest_templates_the_check_lets_through_parse_quickly(text: str) -> None:
    started = time.perf_counter()
    check_template(text[:MAX_BODY_BYTES], "body")
    assert time.perf_counter() - started < 2
