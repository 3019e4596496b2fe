"""Notification e-mail templates: checked, then rendered on an order's data, within bounds (API.md,
notify_order). Pure: no I/O; `services.notifications` reads the order and sends the message.

The library is pystache 0.6.8 (pinned in the layer's requirements): a maintained implementation of
logic-less Mustache (releases through 2025, Python 3.8-3.13, MIT, no dependencies). chevron was the
other candidate: its last release is from 2021, it loads partials from the file system by default and
falls back to `getattr` on any value a key cannot subscript (`{{order.status.__class__}}` prints the
class). What is taken from pystache is its parser (tags, sections, set-delimiter tags, standalone
lines: the grammar) and its `ContextStack` (the spec's name resolution, dotted names included). Its
render engine is not used, because it does what a client's template must never do: call lambdas,
load partials, write `{{{x}}}` unescaped; and it has no bound on work. The walk here is small:

- the data is plain JSON values only (dicts, lists, str, int, bool; money as its exact text, `12.50`):
  pystache looks up attributes only on values of non-builtin types, and there are none, so
  `{{order.__class__}}` names nothing (an unknown placeholder) and nothing is ever called;
- partials (`{{> x}}`) are a 400 naming the field: nothing is loaded, ever;
- every value in the body is HTML-escaped, `{{{x}}}` and `{{& x}}` included (they are accepted and
  escaped like `{{x}}`, so a template written for another system still renders, safely); header
  fields are plain text (no escaping: they are checked for CR, LF and other controls instead);
- a name that resolves to nothing renders empty and is reported (`unknown_placeholders`);
- bounds: each template's size, tags that close within MAX_TAG_CHARS, blank runs of at most
  MAX_BLANK_RUN (pystache's parser is quadratic in an unclosed tag or a long run of blanks, so these
  keep parsing linear), sections nested at most MAX_SECTION_DEPTH deep, at most MAX_RENDER_STEPS
  lookups and section passes per request, and the rendered body at most MAX_RENDERED_BODY_BYTES.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formataddr
from typing import Any

from orders_domain.domain.errors import FieldError, OrdersError, PayloadTooLarge, ValidationFailed

#: A template body: at most this many bytes in UTF-8 (413 over).
MAX_BODY_BYTES = 102_400
#: The rendered body: at most this many bytes in UTF-8 (413 over, before anything is sent).
MAX_RENDERED_BODY_BYTES = 262_144
#: A rendered header field (subject, names, addresses): RFC 5322's line length.
MAX_RENDERED_HEADER_CHARS = 998
#: Sections (and inverted sections) inside one another.
MAX_SECTION_DEPTH = 4
#: Name lookups and section passes in one request, over every field (413 over): a template that
#: nests sections over an order's 500 lines stops here instead of rendering 125 million times.
MAX_RENDER_STEPS = 100_000
#: From a tag's opening delimiter to its closing one.
MAX_TAG_CHARS = 512
#: Spaces or tabs in a row.
MAX_BLANK_RUN = 128

_BLANKS = re.compile(r"[ \t]+")
_CHANGE = re.compile(r"\s*=[ \t]*([^\s=]+)[ \t]+([^\s=]+)[ \t]*=\s*")
_SIGILS = "#^/!>&"
_RAW = re.compile(r"\s*\{")


class EmailSendFailed(OrdersError):
    """The e-mail service refused or failed the message: it was not sent (nothing else changed)."""

    status, code, title = 502, "email_send_failed", "Bad Gateway"


@dataclass(frozen=True)
class EmailMessage:
    """One rendered e-mail, addresses checked: what an EmailSender sends."""

    tenant_id: str
    order_id: str
    to: str
    subject: str
    body: str
    from_address: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()


def envelope(message: EmailMessage, identity: str) -> tuple[str, str | None]:
    """(From header, Reply-To) as sent. From is always the deployment's sender identity (SES sends
    only as a verified identity, and the IAM policy names that one), with the template's `from_name`
    as its display name. Reply-To is the template's `reply_to`; without one, its `from` when that is
    another address than the identity (so replies still reach whom the template names)."""
    sender = formataddr((message.from_name or "", identity), charset="utf-8")
    reply_to = message.reply_to
    if reply_to is None and message.from_address and message.from_address.lower() != identity.lower():
        reply_to = message.from_address
    return sender, reply_to


# ------------------------------------------------------------------ the data a template sees
def plain(value: Any) -> Any:
    """JSON values as a template may see them: dicts, lists, str, int, bool, None; a Decimal as
    its exact text (`12.50`, as the API prints it); anything else as its text. Nothing callable,
    nothing with attributes to look up."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or type(value) in (bool, int, str):
        return value
    return str(value)  # a Decimal as its exact text; a subclass of a builtin as its text


# ------------------------------------------------------------------ checking a template
def _refuse(field_name: str, error: str) -> ValidationFailed:
    return ValidationFailed(
        f"{field_name} is not a template this API renders.", errors=[FieldError(field_name, error)]
    )


def _tag_end(text: str, start: int, otag: str, ctag: str, field_name: str) -> tuple[int, str]:
    """Where the tag opened at `start` ends, and its inside; 400 unless it closes within
    MAX_TAG_CHARS, names something and holds no other opening delimiter."""
    inner_start = start + len(otag)
    raw = _RAW.match(text, inner_start) is not None
    close = text.find("}" + ctag if raw else ctag, inner_start)
    if close < 0 or close - start > MAX_TAG_CHARS:
        raise _refuse(
            field_name, f"the tag opened at character {start} does not close within {MAX_TAG_CHARS}"
        )
    end = close + (1 if raw else 0)
    inner = text[inner_start:end]
    name = inner.strip()
    if raw:
        name = name[1:-1].strip()
    elif name[:1] in _SIGILS:
        name = name[1:].strip()
    if not name or otag in inner or (raw and ("\n" in inner or "\r" in inner)):
        raise _refuse(field_name, f"the tag at character {start} is empty or malformed")
    return end + len(ctag), inner


def check_scannable(text: str, field_name: str) -> None:
    """Refuse, in linear time, what would make the parser slow: an unclosed or overlong tag, a blank
    run over MAX_BLANK_RUN, a set-delimiter tag of another shape than `{{=<% %>=}}`."""
    if any(len(run) > MAX_BLANK_RUN for run in _BLANKS.findall(text)):
        raise _refuse(field_name, f"more than {MAX_BLANK_RUN} spaces or tabs in a row")
    otag, ctag, position = "{{", "}}", 0
    while (start := text.find(otag, position)) >= 0:
        position, inner = _tag_end(text, start, otag, ctag, field_name)
        if inner.lstrip().startswith("="):
            change = _CHANGE.fullmatch(inner)
            if change is None:
                raise _refuse(field_name, f"the set-delimiter tag at character {start} is malformed")
            otag, ctag = change.group(1), change.group(2)


@dataclass(frozen=True)
class _Value:
    key: str


@dataclass(frozen=True)
class _Section:
    key: str
    nodes: tuple[Any, ...]
    inverted: bool


def _compile(tree: Any, field_name: str, depth: int) -> tuple[Any, ...]:
    """pystache's parse tree as plain nodes: text, `_Value`, `_Section`; 400 for a partial, a
    section nested too deep or a construct this renderer does not know."""
    nodes: list[Any] = []
    for node in tree._parse_tree:
        kind = type(node).__name__
        if type(node) is str:
            nodes.append(node)
        elif kind in ("_EscapeNode", "_LiteralNode"):  # {{x}}, {{{x}}}, {{& x}}: escaped alike
            nodes.append(_Value(node.key))
        elif kind in ("_SectionNode", "_InvertedNode"):
            if depth >= MAX_SECTION_DEPTH:
                raise _refuse(field_name, f"sections nest more than {MAX_SECTION_DEPTH} deep")
            inverted = kind == "_InvertedNode"
            child = node.parsed_section if inverted else node.parsed
            nodes.append(_Section(node.key, _compile(child, field_name, depth + 1), inverted))
        elif kind == "_PartialNode":
            raise _refuse(field_name, f"partials ({{{{> {node.key}}}}}) are not supported")
        elif kind not in ("_CommentNode", "_ChangeNode"):
            raise _refuse(field_name, f"unsupported template construct {kind.strip('_')}")
    return tuple(nodes)


@dataclass(frozen=True)
class Template:
    """A checked template of one field."""

    field: str
    nodes: tuple[Any, ...]


def check_template(text: str, field_name: str) -> Template:
    """The template parsed and checked (400 naming the field otherwise)."""
    from pystache.parser import parse  # only the notification function loads the template library

    check_scannable(text, field_name)
    try:
        tree = parse(text, raise_on_mismatch=True)
    except Exception as error:  # noqa: BLE001 - pystache raises plain Exceptions for bad templates
        message = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise _refuse(field_name, f"not a valid Mustache template: {message}") from None
    return Template(field_name, _compile(tree, field_name, 0))


# ------------------------------------------------------------------ rendering
@dataclass
class Rendering:
    """One request's rendering: the data, the work done so far, the names that resolved to nothing."""

    data: dict[str, Any]
    steps: int = 0
    unknown: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.data = plain(self.data)

    def render(self, template: Template, *, html_body: bool) -> str:
        """The template on the data; HTML-escaped values when `html_body`. 413 past the bounds."""
        from pystache.context import ContextStack

        limit = MAX_RENDERED_BODY_BYTES if html_body else MAX_RENDERED_HEADER_CHARS
        out = _Out(limit, template.field, html.escape if html_body else _as_is)
        self._walk(template.nodes, ContextStack(self.data), out)
        text = "".join(out.parts)
        if html_body and len(text.encode("utf-8")) > MAX_RENDERED_BODY_BYTES:
            raise out.too_large()
        return text

    def _step(self) -> None:
        self.steps += 1
        if self.steps > MAX_RENDER_STEPS:
            raise PayloadTooLarge(
                f"The templates ask for more than {MAX_RENDER_STEPS} substitutions and section "
                "passes on this order; nothing was sent.",
                errors=[FieldError("email_template", "renders too much (nested sections over long lists?)")],
            )

    def _lookup(self, stack: Any, key: str) -> Any:
        from pystache.context import KeyNotFoundError

        self._step()
        try:
            value = stack.get(key)
        except KeyNotFoundError:
            self.unknown.add(key)
            return None
        return value

    def _walk(self, nodes: tuple[Any, ...], stack: Any, out: _Out) -> None:
        for node in nodes:
            if type(node) is str:
                out.add(node, escape=False)
            elif isinstance(node, _Value):
                out.add(_text(self._lookup(stack, node.key)), escape=True)
            else:
                self._section(node, stack, out)

    def _section(self, node: _Section, stack: Any, out: _Out) -> None:
        value = self._lookup(stack, node.key)
        if node.inverted:
            if not value:
                self._walk(node.nodes, stack, out)
            return
        if not value:
            return
        for item in value if isinstance(value, list) else [value]:
            self._step()
            stack.push(item)
            try:
                self._walk(node.nodes, stack, out)
            finally:
                stack.pop()


def _as_is(text: str) -> str:
    return text


def _text(value: Any) -> str:
    """A value as a placeholder prints it: text as is, numbers as digits, `true`/`false`, nothing for
    null, and a list or object as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Out:
    """The rendered pieces, counted as they come (the bound holds before the whole text exists)."""

    def __init__(self, limit: int, field_name: str, escape: Callable[[str], str]) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.field = field_name
        self.escape = escape

    def add(self, piece: str, *, escape: bool) -> None:
        text = self.escape(piece) if escape else piece
        self.size += len(text)
        if self.size > self.limit:
            raise self.too_large()
        self.parts.append(text)

    def too_large(self) -> OrdersError:
        if self.limit == MAX_RENDERED_BODY_BYTES:
            return PayloadTooLarge(
                f"The rendered body is over {MAX_RENDERED_BODY_BYTES} bytes; nothing was sent.",
                errors=[FieldError(self.field, f"renders over {MAX_RENDERED_BODY_BYTES} bytes")],
            )
        return ValidationFailed(
            f"{self.field} renders longer than a header may be.",
            errors=[FieldError(self.field, f"renders over {MAX_RENDERED_HEADER_CHARS} characters")],
        )
