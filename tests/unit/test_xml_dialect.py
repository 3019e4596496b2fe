"""dialects.xml on its own: reading safely, writing, round trips and which media type a client wants."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from orders_domain.dialects import xml

NAMES = st.sampled_from(["order_number", "customer_name", "offer_id", "city", "status", "a_b"])
#: Text XML keeps as it is (leading and trailing whitespace is trimmed on reading, by design).
TEXT = st.text(alphabet="abcXYZ019-_.:/éü€'\"", max_size=20)
#: An empty element reads as "" (XML cannot tell an empty object from empty text): objects have members.
ITEM = st.dictionaries(NAMES, st.one_of(TEXT, st.none()), min_size=1, max_size=4)
ORDER = st.fixed_dictionaries(
    {"items": st.lists(ITEM, max_size=3)}, optional={"order_number": TEXT, "shipping_address": ITEM}
)


@given(ORDER)
def test_what_is_written_reads_back_the_same(order: dict[str, Any]) -> None:
    assert xml.loads(xml.dumps("order", order)) == {"order": order}


def test_the_seeds_xml_with_its_declaration_whitespace_and_type_hints_is_read() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<order>\n<order_number>n-1</order_number>\n<items>\n'
        '<item>\n<offer_id>o-1</offer_id>\n<quantity type="integer">2</quantity>\n</item>\n</items>\n'
        '<shipping_address nil="true"/>\n</order>'
    )
    assert xml.loads(text) == {
        "order": {
            "order_number": "n-1",
            "items": [{"offer_id": "o-1", "quantity": "2"}],
            "shipping_address": None,
        }
    }


def test_numbers_booleans_and_nulls_are_written_as_text_and_nil() -> None:
    written = xml.dumps("order", {"total": Decimal("1.50"), "ok": True, "gone": None, "items": []})
    assert written.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<total>1.50</total><ok>true</ok><gone nil="true" /><items />' in written


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('<!DOCTYPE o [<!ENTITY a "aaaa">]><o>&a;</o>', "DTD"),
        ('<!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]><o>&x;</o>', "DTD"),
        ('<!DOCTYPE o SYSTEM "http://example.com/o.dtd"><o/>', "DTD"),
        ("<o>" + "<a>" * 20 + "</a>" * 20 + "</o>", "deeper"),
        ("<o><items><thing/></items></o>", "only <item>"),
        ("<o><items>text</items></o>", "not text"),
        ("<o>text<a>1</a></o>", "mixes"),
        ("<o><a>1</a><a>2</a></o>", "repeats"),
        ("<o>", "well-formed"),
        ("", "well-formed"),
        ("<o>" + "x" * (xml.MAX_XML_BYTES + 1) + "</o>", "larger"),
        ("<o>" + "<a/>" * (xml.MAX_XML_ELEMENTS + 1) + "</o>", "more than"),
    ],
)
def test_documents_that_are_unsafe_or_not_ours_are_refused_with_a_reason(text: str, why: str) -> None:
    with pytest.raises(xml.XmlRejected, match=why):
        xml.loads(text)


def test_too_many_elements_are_refused_even_when_each_is_distinct() -> None:
    many = "".join(f"<a{n}/>" for n in range(xml.MAX_XML_ELEMENTS + 1))
    with pytest.raises(xml.XmlRejected, match="more than"):
        xml.loads(f"<o>{many}</o>")


@pytest.mark.parametrize(
    ("accept", "content_type", "wanted"),
    [
        (None, None, False),
        (None, "application/json", False),
        (None, "application/xml; charset=utf-8", True),
        ("*/*", "text/xml", True),
        ("application/*", None, False),
        ("application/xml", "application/json", True),
        ("text/xml", None, True),
        ("application/json", "application/xml", False),
        ("application/json;q=0.4, application/xml;q=0.9", None, True),
        ("application/xml;q=0, application/json", None, False),
        ("text/html, application/json;q=0.1", None, False),
        ("text/html", None, None),
        ("image/png, text/plain", "application/xml", None),
    ],
)
def test_the_answer_follows_accept_then_the_requests_own_type(
    accept: str | None, content_type: str | None, wanted: bool | None
) -> None:
    assert xml.wants_xml(accept, content_type) is wanted


def test_a_problem_is_written_in_rfc_7807_xml_with_arrays_as_i() -> None:
    written = xml.problem_xml({"status": 400, "errors": [{"field": "body", "error": "bad"}]})
    assert '<problem xmlns="urn:ietf:rfc:7807">' in written
    assert "<errors><i><field>body</field><error>bad</error></i></errors>" in written
