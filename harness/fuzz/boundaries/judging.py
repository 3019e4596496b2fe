"""What counts as a failure: `judge` of one answer (a 5xx, a status outside the expected, over the
time budget, a 4xx that is not a problem or does not name the id, a batch operation failed on the
server's side, API.md's money rules broken, XML that does not parse) (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from harness.fuzz.boundaries.cases import ANSWERED, EITHER, MAX_REQUEST_SECONDS, REFUSED


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    seconds: float
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


#: An order's money fields (API.md's sums are over these): at most the currency's minor-unit
#: decimals, never a negative zero; `total_in_base_currency` too, in the base currency.
ORDER_MONEY = (
    "subtotal",
    "discounts",
    "taxes",
    "shipping_charges",
    "total",
    "balance_due",
    "amount_paid",
    "amount_pending_capture",
    "amount_refunded",
)
LINE_MONEY = (
    "unit_price",
    "taxes",
    "discounts",
    "total",
    "balance_due",
    "amount_paid",
    "amount_pending_capture",
    "amount_refunded",
    "amount_to_pay_upon_creation",
)


def orders_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every order in an answer: an object with `line_items` and `total` (pure)."""
    if isinstance(value, dict):
        if isinstance(value.get("line_items"), list) and "total" in value:
            yield value
        for member in value.values():
            yield from orders_in(member)
    elif isinstance(value, list):
        for item in value:
            yield from orders_in(item)


def amounts_of(order: Mapping[str, Any]) -> Iterator[tuple[str, Decimal, str]]:
    """(where, amount, its currency) of every money amount of an order: its own, its lines' and its
    payments' (pure)."""
    currency = str(order.get("currency_code") or "USD")
    for name in ORDER_MONEY:
        if isinstance(order.get(name), Decimal):
            yield name, order[name], currency
    if isinstance(order.get("total_in_base_currency"), Decimal):
        base = str(order.get("base_currency_code") or currency)
        yield "total_in_base_currency", order["total_in_base_currency"], base
    for line in order.get("line_items") or []:
        for name in LINE_MONEY:
            if isinstance(line, dict) and isinstance(line.get(name), Decimal):
                yield f"line {line.get('line_number')} {name}", line[name], currency
    for n, payment in enumerate(order.get("payments") or []):
        if isinstance(payment, dict) and isinstance(payment.get("amount"), Decimal):
            yield f"payments[{n}].amount", payment["amount"], currency


def money_defects(text: str) -> list[str]:
    """API.md's money rules on every order in a 2xx JSON answer: money with at most the currency's
    minor-unit decimals and never a negative zero; total = subtotal - discounts + taxes + shipping;
    balance due = total - (paid + pending - refunded); refunded <= paid (pure)."""
    from orders_domain.domain.money import decimal_places, minor_units

    try:
        value = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, InvalidOperation):
        return []
    defects = []
    for order in orders_in(value):
        for where, amount, currency in amounts_of(order):
            if amount.is_zero() and amount.is_signed():
                defects.append(f"{where} is a negative zero ({amount})")
            if decimal_places(amount) > minor_units(currency):
                defects.append(f"{where} {amount} has more than {minor_units(currency)} decimals")
        a = {k: order[k] for k in ORDER_MONEY if isinstance(order.get(k), Decimal)}
        if len(a) == len(ORDER_MONEY):
            if a["total"] != a["subtotal"] - a["discounts"] + a["taxes"] + a["shipping_charges"]:
                defects.append("total != subtotal - discounts + taxes + shipping_charges")
            paid = a["amount_paid"] + a["amount_pending_capture"] - a["amount_refunded"]
            if a["balance_due"] != a["total"] - paid:
                defects.append(
                    "balance_due != total - (amount_paid + amount_pending_capture - amount_refunded)"
                )
            if a["amount_refunded"] > a["amount_paid"]:
                defects.append("amount_refunded > amount_paid")
    return list(dict.fromkeys(defects))


def problem_defects(answer: Answer) -> list[str]:
    """What makes a 4xx answer not a problem document (RFC 9457, JSON or XML) (pure)."""
    media = answer.header("Content-Type").split(";")[0].strip().lower()
    if media == "application/problem+json":
        try:
            problem = json.loads(answer.text)
        except ValueError:
            return ["a problem+json answer that is not JSON"]
        if not isinstance(problem, dict) or problem.get("status") != answer.status:
            return [f"a problem whose status is not {answer.status}"]
        return []
    if media == "application/problem+xml":
        return [] if xml_parses(answer.text) else ["a problem+xml answer that does not parse"]
    return [f"a {answer.status} that is not a problem (Content-Type {media or 'none'})"]


def xml_parses(text: str) -> bool:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        fromstring(text.encode("utf-8"))
    except (ParseError, DefusedXmlException, ValueError):
        return False
    return True


def batch_faults(text: str) -> list[str]:
    """A 2xx batch answer's operations that failed on the server's side (their status 5xx) (pure)."""
    try:
        answer = json.loads(text)
    except ValueError:
        return []
    results = answer.get("results") if isinstance(answer, dict) else None
    return [
        f"batch operation {n} ({r.get('operation')}) failed with {r.get('status')}"
        for n, r in enumerate(results or [])
        if isinstance(r, dict) and isinstance(r.get("status"), int) and r["status"] >= 500
    ]


def names_id(answer: Answer, value: str) -> bool:
    """Whether a problem's detail or field errors name `value` (as a whole word) (pure)."""
    try:
        problem = json.loads(answer.text)
    except ValueError:
        return value in answer.text
    said = json.dumps([problem.get("detail"), problem.get("errors")]) if isinstance(problem, dict) else ""
    return re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", said) is not None


def judge(
    statuses: frozenset[int],
    answer: Answer,
    *,
    names: str | None = None,
    xml: bool = False,
    budget: float = MAX_REQUEST_SECONDS,
) -> list[str]:
    """What is wrong with one answer (empty: nothing): no answer; a 5xx; a status outside the
    expected; over the time budget; a 4xx that is not a problem or does not name the id; a 2xx
    batch with an operation failed on the server's side; a 2xx breaking the money rules; a 2xx that
    was to be XML and does not parse (pure)."""
    if answer.status == 0:
        return [f"no answer ({answer.text[:120]})"]
    problems = []
    if answer.status >= 500:
        problems.append(f"server error {answer.status}")
    elif answer.status not in statuses:
        problems.append(f"expected {describe(statuses)}, got {answer.status}")
    if answer.seconds > budget:
        problems.append(f"took {answer.seconds:.2f} s (budget {budget:.1f} s)")
    if 400 <= answer.status < 500:
        problems += problem_defects(answer)
        if names is not None and not names_id(answer, names):
            problems.append(f"does not name {names}")
    if 200 <= answer.status < 300:
        media = answer.header("Content-Type").split(";")[0].strip().lower()
        if xml:
            if not xml_parses(answer.text):
                problems.append("the XML answer does not parse")
        elif media.endswith("json"):
            problems += batch_faults(answer.text)
            problems += money_defects(answer.text)
    return problems


def describe(statuses: frozenset[int]) -> str:
    if statuses == REFUSED:
        return "a 4xx problem"
    if statuses == EITHER:
        return "2xx or a 4xx problem"
    if statuses == ANSWERED:
        return "2xx"
    return " or ".join(str(s) for s in sorted(statuses))


def is_server_error(problem: str) -> bool:
    return problem.startswith("server error") or (
        problem.startswith("batch operation") and "failed with" in problem
    )
