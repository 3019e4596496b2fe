"""XML both ways for the distribution dialect (seeds/004), and which media type a request speaks.

Reading uses defusedxml (a maintained hardened parser): a DTD, an entity declaration or an external
reference is refused outright, so neither an entity-expansion bomb nor an external entity is ever
expanded. The body is limited in size, nesting depth and element count before it is turned into the
JSON value the routes validate; whitespace and an XML declaration are tolerated, attributes (such as
the `type="integer"` hints some clients send) are ignored, `nil="true"` is null.

An element becomes a string (its text, trimmed), an object (its children by name), or, for the list
containers the dialect names (`<items><item>…</item></items>`), a list. Writing goes the other way;
a problem (RFC 9457) is written in RFC 7807's XML form (`application/problem+xml`, arrays as `<i>`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from orders_domain.domain.errors import (
    BadRequest,
    FieldError,
    NotAcceptable,
    OrdersError,
    UnsupportedMediaType,
)
from orders_domain.domain.jsonio import dumps as json_dumps
from orders_domain.domain.jsonio import loads as json_loads

APPLICATION_XML = "application/xml"
TEXT_XML = "text/xml"
PROBLEM_XML = "application/problem+xml"
PROBLEM_NAMESPACE = "urn:ietf:rfc:7807"
XML_TYPES = (APPLICATION_XML, TEXT_XML)
JSON = "application/json"
_NOT_UTF8 = FieldError("body", "is not UTF-8")

MAX_XML_BYTES = 256 * 1024
MAX_XML_DEPTH = 16
MAX_XML_ELEMENTS = 20_000

#: The dialect's list containers and the name of their items.
LIST_ITEMS: Mapping[str, str] = {
    "items": "item",
    "shipments": "shipment",
    "vouchers": "voucher",
    "errors": "i",
}


class XmlRejected(ValueError):
    """The document is not XML this service reads; the message says why (for a 400)."""


def _local(tag: str) -> str:
    """An element's name without its namespace (`{urn:x}order` -> `order`)."""
    return tag.rsplit("}", 1)[-1]


def _check_shape(root: Element) -> None:
    """Depth and element count, walked without recursion (a deep document cannot exhaust the stack)."""
    count, level, depth = 0, [root], 0
    while level:
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise XmlRejected(f"The XML document is nested deeper than {MAX_XML_DEPTH} levels.")
        count += len(level)
        if count > MAX_XML_ELEMENTS:
            raise XmlRejected(f"The XML document has more than {MAX_XML_ELEMENTS} elements.")
        level = [child for element in level for child in element]


def _value(element: Element) -> Any:
    name = _local(element.tag)
    children = list(element)
    if str(element.get("nil", "")).lower() == "true" or any(
        _local(k) == "nil" and str(v).lower() == "true" for k, v in element.attrib.items()
    ):
        return None
    if name in LIST_ITEMS:
        item = LIST_ITEMS[name]
        if (element.text or "").strip():
            raise XmlRejected(f"<{name}> holds <{item}> elements, not text.")
        for child in children:
            if _local(child.tag) != item:
                raise XmlRejected(f"<{name}> may hold only <{item}> elements, not <{_local(child.tag)}>.")
        return [_value(child) for child in children]
    if not children:
        return (element.text or "").strip()
    if (element.text or "").strip() or any((c.tail or "").strip() for c in children):
        raise XmlRejected(f"<{name}> mixes text with elements.")
    value: dict[str, Any] = {}
    for child in children:
        key = _local(child.tag)
        if key in value:
            raise XmlRejected(f"<{name}> repeats <{key}>.")
        value[key] = _value(child)
    return value


def loads(body: str | bytes) -> dict[str, Any]:
    """`{root name: value}` of an XML document, or XmlRejected."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    if len(data) > MAX_XML_BYTES:
        raise XmlRejected(f"The XML document is larger than {MAX_XML_BYTES} bytes.")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise XmlRejected(
            "The XML document declares a DTD, entities or external references; none are accepted."
        ) from None
    except ParseError as error:
        raise XmlRejected(f"The body is not well-formed XML ({error}).") from None
    _check_shape(root)
    return {_local(root.tag): _value(root)}


#: Characters XML 1.0 cannot carry, even escaped (C0 controls but tab, LF and CR; surrogates;
#: U+FFFE and U+FFFF). A stored string holding one (written through the JSON API) is answered with
#: U+FFFD in its place, so the document always parses.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: Element, value: Any) -> None:
    name = element.tag.rsplit("}", 1)[-1]
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(SubElement(element, str(key)), child)
    elif isinstance(value, list | tuple):
        item = LIST_ITEMS.get(name, "i")
        for child in value:
            _fill(SubElement(element, item), child)
    elif value is None:
        element.set("nil", "true")
    else:
        element.text = _text(value)


def dumps(root: str, value: Any, *, namespace: str | None = None) -> str:
    """An XML document (with its declaration) whose root element `root` holds `value`."""
    element = Element(root)
    if namespace:
        element.set("xmlns", namespace)
    _fill(element, value)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(element, encoding="unicode")


def problem_xml(problem: Mapping[str, Any]) -> str:
    """A problem (RFC 9457 JSON members) in RFC 7807's XML form."""
    return dumps("problem", problem, namespace=PROBLEM_NAMESPACE)


# ------------------------------------------------------------------ which media type a request speaks
def media_type(value: str | None) -> str:
    return str(value or "").split(";")[0].strip().lower()


def is_xml(media: str) -> bool:
    return media in XML_TYPES or media.endswith("+xml")


def is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def looks_like_xml(body: str | None) -> bool:
    """A body that opens with `<` is XML whatever it is labelled (no JSON text can): the seed's own
    XML cancel example sends it as `application/json`."""
    return bool(body) and str(body).lstrip().startswith("<")


def wants_xml(accept: str | None, content_type: str | None) -> bool | None:
    """Whether the answer is XML: by `Accept` (its most preferred type this service speaks); with no
    `Accept`, or `*/*`, in the request's own media type. None: `Accept` names nothing we speak (406)."""
    ranges = _accepted(accept)
    if not ranges:
        return is_xml(media_type(content_type))
    for _quality, _index, media in sorted(ranges):
        if media in ("*/*", "application/*"):
            return is_xml(media_type(content_type))
        if is_xml(media) or media == "text/*":
            return True
        if is_json(media):
            return False
    return None


def _accepted(accept: str | None) -> list[tuple[float, int, str]]:
    """The media ranges of an `Accept` header a client takes at all (q > 0), as (-q, position, media)."""
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(str(accept or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, index, media))
    return ranges


# ------------------------------------------------------------------ at the edge of an XML route
def _headers_without(headers: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    return {k: v for k, v in (headers or {}).items() if str(k).lower() != name}


@dataclass(frozen=True)
class EdgeRequest:
    """An XML route's request as its JSON route reads it: the event, whether the answer is to be XML,
    and the error to answer instead when the request cannot be read."""

    event: dict[str, Any]
    xml_answer: bool
    error: OrdersError | None = None


def translate_request(event: Mapping[str, Any]) -> EdgeRequest:
    """An XML body becomes its JSON value (the route validates that, whichever way it came); a body
    in neither media type is a 415, an `Accept` naming neither a 406, unreadable XML a 400."""
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = media_type(headers.get("content-type"))
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(str(body), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return EdgeRequest(dict(event), False, BadRequest("The body is not UTF-8.", errors=[_NOT_UTF8]))
    speaks_xml = is_xml(content_type) or looks_like_xml(body)
    xml_answer = wants_xml(headers.get("accept"), APPLICATION_XML if speaks_xml else content_type)
    if xml_answer is None:
        return EdgeRequest(
            dict(event), False, NotAcceptable("This route answers application/json or application/xml.")
        )
    if body and not speaks_xml and content_type and not is_json(content_type):
        return EdgeRequest(
            dict(event),
            xml_answer,
            UnsupportedMediaType(
                f"Send the body as application/json or application/xml, not {content_type}."
            ),
        )
    if not (body and speaks_xml):
        return EdgeRequest(dict(event), xml_answer)
    try:
        value = loads(str(body))
    except XmlRejected as rejected:
        return EdgeRequest(
            dict(event), xml_answer, BadRequest(str(rejected), errors=[FieldError("body", str(rejected))])
        )
    translated = dict(event)
    translated["body"] = json_dumps(value)
    translated["isBase64Encoded"] = False
    translated["headers"] = {**_headers_without(event.get("headers"), "content-type"), "Content-Type": JSON}
    multi = event.get("multiValueHeaders")
    if multi is not None:
        translated["multiValueHeaders"] = {**_headers_without(multi, "content-type"), "Content-Type": [JSON]}
    return EdgeRequest(translated, xml_answer)


def translate_response(result: dict[str, Any]) -> dict[str, Any]:
    """A JSON answer (an object with one member, the root, or a problem) as XML."""
    headers = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    types = [str(v) for k, v in headers.items() if str(k).lower() == "content-type"] + [
        str(v[0]) for k, v in multi.items() if str(k).lower() == "content-type" and v
    ]
    body = result.get("body")
    if not types or not body or result.get("isBase64Encoded"):
        return result
    media = media_type(types[0])
    value = json_loads(str(body))
    if media == "application/problem+json":
        text, xml_type = problem_xml(value), PROBLEM_XML
    elif is_json(media) and isinstance(value, dict) and len(value) == 1:
        [(root, inner)] = value.items()
        text, xml_type = dumps(root, inner), APPLICATION_XML
    else:
        return result
    converted = dict(result)
    converted["body"] = text
    converted["headers"] = {**_headers_without(headers, "content-type"), "Content-Type": xml_type}
    if result.get("multiValueHeaders") is not None:
        converted["multiValueHeaders"] = {
            **_headers_without(multi, "content-type"),
            "Content-Type": [xml_type],
        }
    return converted
