"""Running the cases: `seed` makes the edge tenant's fixtures, `Runner` sends each case with the
edge tenant's key (placeholders filled, the body encoded, sent as many times as it says), reads
what it must leave unchanged before and after, reads back what it created and judges every answer;
`run` does it all for `generate`'s cases and reports (`Report`)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from harness.fuzz.boundaries.cases import (
    _REF,
    CLIENT_TIMEOUT_SECONDS,
    JSON_MEDIA,
    MISSING_ORDER,
    TENANT,
    XML_ACCEPT,
    Bounds,
    Case,
    Raw,
    Read,
    distribution_order,
    json_bytes,
    order_body,
    ref,
    substitute,
)
from harness.fuzz.boundaries.judging import Answer, is_server_error, judge
from harness.fuzz.boundaries.routes import CREATE, PLACE, SEEDS, default_params
from harness.fuzz.boundaries.schema import request_body
from harness.fuzz.boundaries.table import generate, uncovered


@dataclass
class Report:
    cases: int = 0
    requests: int = 0
    server_errors: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    max_seconds: float = 0.0
    slowest: str = ""
    #: One line per request: status, seconds, what was asked.
    log: list[str] = field(default_factory=list)

    def timed(self, label: str, answer: Answer) -> None:
        self.requests += 1
        self.log.append(f"{answer.status:>3} {answer.seconds:7.3f}s {label}")
        if answer.seconds > self.max_seconds:
            self.max_seconds, self.slowest = answer.seconds, label

    def fail(self, label: str, answer: Answer, problems: list[str]) -> None:
        if not problems:
            return
        self.server_errors += sum(1 for p in problems if is_server_error(p))
        detail = "; ".join(problems) + f" -- answer: {answer.text[:200]}"
        self.failures.append({"case": label, "status": answer.status, "detail": detail})


def send(
    base: str,
    key: str | None,
    method: str,
    path: str,
    body: bytes | None,
    headers: Mapping[str, str],
    *,
    timeout: float = CLIENT_TIMEOUT_SECONDS,
) -> Answer:
    """One request, timed (status 0 when no answer came)."""
    sent = {"Authorization": key} if key is not None else {}
    sent.update(headers)
    request = urllib.request.Request(base + path, data=body, method=method, headers=sent)  # noqa: S310
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            text = response.read().decode("utf-8", "replace")
            return Answer(response.status, text, time.perf_counter() - start, dict(response.headers))
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        return Answer(error.code, text, time.perf_counter() - start, dict(error.headers))
    except (OSError, urllib.error.URLError) as error:
        return Answer(0, f"{type(error).__name__}: {error}", time.perf_counter() - start)


def url_of(case: Case, values: Mapping[str, str]) -> str:
    """The case's path (each parameter filled and percent-encoded) and query (pure)."""
    params = {**default_params(case.route), **case.params}

    def fill(match: re.Match[str]) -> str:
        return quote(substitute(params.get(match.group(1), "x"), values), safe="")

    path = re.sub(r"\{([^}]+)\}", fill, case.route)
    if case.query:
        path += "?" + urlencode([(k, substitute(v, values)) for k, v in case.query])
    return path


def encoded(body: Any, media: str | None, values: Mapping[str, str]) -> tuple[bytes | None, str | None]:
    """The bytes of a case's body and their Content-Type, placeholders filled (pure)."""
    if body is None:
        return None, None
    if isinstance(body, Raw):
        data, media = body.data, body.content_type
    else:
        data, media = json_bytes(body), media or JSON_MEDIA
    if b"%%" in data:
        data = _REF.sub(
            lambda m: values.get(m.group(1), m.group(0)), data.decode("utf-8", "surrogatepass")
        ).encode("utf-8", "surrogatepass")
    return data, media


def created_id(answer: Answer) -> str | None:
    """The id of the order a 2xx answer made (`id`, or a distribution answer's `order.id`) (pure)."""
    if not 200 <= answer.status < 300:
        return None
    try:
        value = json.loads(answer.text)
    except ValueError:
        match = re.search(r"<id>([^<]+)</id>", answer.text)
        return match.group(1) if match else None
    if isinstance(value, dict) and isinstance(value.get("order"), dict):
        value = value["order"]
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


class Runner:
    """Sends the cases to the API at `base` with the edge tenant's key and judges every answer."""

    def __init__(self, base: str, key: str, document: Mapping[str, Any], fixtures: Mapping[str, str]) -> None:
        self.base, self.key, self.document = base, key, document
        self.fixtures = dict(fixtures)
        self.report = Report()

    def request(
        self, label: str, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Answer:
        answer = send(self.base, self.key, method, path, body, headers)
        self.report.timed(f"{label} ({method} {path[:80]})", answer)
        return answer

    def read(self, label: str, read: Read, values: Mapping[str, str]) -> Answer:
        data, media = encoded(read.body, JSON_MEDIA, values)
        headers = {**({"Content-Type": media} if media else {}), **read.headers}
        return self.request(label, read.method, substitute(read.path, values), data, headers)

    def run(self, case: Case) -> None:
        self.report.cases += 1
        values = {**self.fixtures, "created": ""}
        path = url_of(case, values)
        documented = request_body(self.document, case.method, case.route)
        documented_media = documented[0] if documented and "xml" not in documented[0] else JSON_MEDIA
        data, media = encoded(case.body, documented_media, values)
        headers = {**({"Content-Type": media} if media else {}), **case.headers}
        expect = case.expect
        xml = expect.xml or "xml" in headers.get("Accept", "")
        before = self.read(case.label, Read(expect.unchanged), values) if expect.unchanged else None
        answers = []
        for n in range(expect.sends):
            answer = self.request(case.label, case.method, path, data, headers)
            answers.append(answer)
            where = case.label + (f" (send {n + 1})" if expect.sends > 1 else "")
            self.report.fail(
                where,
                answer,
                judge(
                    expect.statuses, answer, names=expect.names and substitute(expect.names, values), xml=xml
                ),
            )
        first = answers[0]
        for n, again in enumerate(answers[1:], start=2):
            if again.status != first.status and first.status < 500:
                self.report.fail(
                    f"{case.label} (send {n})",
                    again,
                    [f"a repeat answered {again.status} after {first.status}"],
                )
            elif 200 <= first.status < 300 and again.header("Idempotent-Replayed").lower() != "true":
                self.report.fail(
                    f"{case.label} (send {n})", again, ["a repeat with the same key was not a replay"]
                )
        if before is not None and expect.unchanged and any(400 <= a.status < 500 for a in answers):
            after = self.read(case.label, Read(expect.unchanged), values)
            if (after.status, after.text) != (before.status, before.text):
                self.report.fail(
                    case.label, first, [f"refused, but {substitute(expect.unchanged, values)} changed"]
                )
        made = created_id(first)
        if made is not None:
            values["created"] = made
        for read in self.rereads(case, made) + list(expect.then):
            if ref("created") in read.path and made is None:
                continue
            asked = f"{read.method} {substitute(read.path, values)}"
            if read.body is not None:
                asked += f" {json.dumps(read.body)}"
            label = f"{case.label} -> then {asked}" + (" as XML" if read.xml else "")
            answer = self.read(label, read, values)
            self.report.fail(label, answer, judge(read.statuses, answer, xml=read.xml))
        if expect.applied_once is not None:
            self.check_once(case, answers, values)

    def rereads(self, case: Case, made: str | None) -> list[Read]:
        """A created order read back (a stored value must read): by id, and the distribution's as XML."""
        if made is None:
            return []
        if (case.method, case.route) == CREATE:
            return [Read(f"/orders/{TENANT}/{ref('created')}?consistentRead=true")]
        if (case.method, case.route) == PLACE:
            return [Read(f"/distribution/orders/{ref('created')}", headers=XML_ACCEPT, xml=True)]
        return []

    def check_once(self, case: Case, answers: list[Answer], values: Mapping[str, str]) -> None:
        assert case.expect.applied_once is not None
        path, value = case.expect.applied_once
        answer = self.read(case.label, Read(path), values)
        try:
            recipients = json.loads(answer.text).get("additional_email_confirmation_recipients") or []
        except (ValueError, AttributeError):
            recipients = []
        count = recipients.count(value)
        if any(200 <= a.status < 300 for a in answers):
            wrong, expected = count != 1, "once"
        elif all(400 <= a.status < 500 for a in answers):
            wrong, expected = count != 0, "never: the batch was refused"
        else:  # no answer or a 5xx: each is already a failure; a retry must still not apply it again
            wrong, expected = count > 1, "at most once"
        if answer.status != 200 or wrong:
            self.report.fail(
                case.label, answer, [f"the batch's patch applied {count} times (expected {expected})"]
            )


def post(base: str, key: str, path: str, body: Any) -> tuple[int, Any, dict[str, str]]:
    answer = send(base, key, "POST", path, json_bytes(body), {"Content-Type": JSON_MEDIA})
    try:
        value = json.loads(answer.text)
    except ValueError:
        value = answer.text
    if answer.status not in (200, 201):
        raise SystemExit(
            f"cannot seed the boundary cases: POST {path} -> {answer.status} {answer.text[:300]}"
        )
    return answer.status, value, dict(answer.headers)


def seed(base: str, key: str) -> dict[str, str]:
    """The edge tenant's fixtures (`FIXTURES`): its orders, two fulfilled (each with its fulfillment),
    a distribution order and a refund reason for the lookups; then each route module's (`SEEDS`)."""
    fixtures = {"missing": MISSING_ORDER}
    # (shipped to the organization of the contact's id: the portal's reads find them, issue 32)
    shipped = {"ship_to_type": "organization", "ship_to_organization_id": "edge-party"}
    for name in ("open", "scratch", "keyed"):
        fixtures[name] = post(base, key, f"/orders/{TENANT}", {**order_body("edge-party"), **shipped})[1][
            "id"
        ]
    for name, token, fulfillment in (
        ("fulfilled_order", "token", "fulfillment"),
        ("spare", "spare_token", "spare_fulfillment"),
    ):
        # (paid by card: its fulfil records a payment, the theatre's payment 1, issue 32)
        paid = {**order_body("edge-party"), "payment_info": {"type": "Visa"}}
        _, order, _ = post(base, key, f"/orders/{TENANT}", paid)
        fixtures[name], fixtures[token] = order["id"], order["token"]
        _, _, headers = post(
            base, key, f"/orders/{TENANT}/{order['id']}/fulfill", {"tracking_number": f"EDGE-{name}"}
        )
        location = next((v for k, v in headers.items() if k.lower() == "location"), "")
        fixtures[fulfillment] = location.rsplit("/", 1)[-1]
    fixtures["dist"] = post(base, key, "/distribution/orders", distribution_order("EDGE-DIST-0001"))[1][
        "order"
    ]["id"]
    send(
        base,
        key,
        "PUT",
        f"/orders/{TENANT}/refund-reasons/EdgeReason",
        json_bytes({"description": "edge"}),
        {"Content-Type": JSON_MEDIA},
    )
    for seed_family in SEEDS:  # the route modules' own fixtures (the catalogue's)
        seed_family(base, key)
    return fixtures


def run(
    base: str,
    key: str,
    document: Mapping[str, Any],
    *,
    quick: bool = False,
    families: Sequence[str] | None = None,
) -> Report:
    """Seed the edge tenant, send every case (QUICK: the marked subset) and judge it; a document
    operation no case sends to is a failure."""
    fixtures = seed(base, key)
    cases = generate(document, Bounds.of_service(), quick=quick, families=families)
    runner = Runner(base, key, document, fixtures)
    if families is None:
        for method, route in uncovered(document, generate(document, Bounds.of_service())):
            runner.report.failures.append(
                {"case": f"coverage: {method} {route}", "status": 0, "detail": "no boundary case sends to it"}
            )
    for case in cases:
        runner.run(case)
    return runner.report
