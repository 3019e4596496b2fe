"""Whether what `sam local invoke` printed is the answer an event expects.

SAM exits 0 whatever the function did: raised, timed out, could not import its handler. So the
answer is read from what it printed (the function's result is the last JSON line on stdout; the
runtime's log and SAM's own lines go to stderr) and checked against expectations.Expect. A failure
says, in one line, what was expected and what was printed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree

from local.sam_local.expectations import Expect

#: How much of a printed answer a failure quotes.
QUOTE_CHARS = 300
_TIMED_OUT = re.compile(r"timed out after [\d.]+ seconds", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    #: The HTTP status, Allow/Deny, "projected"; or what went wrong (error, timeout, no answer).
    status: str
    #: Empty when ok; else one line: what was expected and what was printed.
    detail: str = ""


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` on one line, cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def answer_of(stdout: str) -> Any:
    """The function's result: the last line of stdout that is JSON (None when there is none)."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line:
            continue
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


def check(expect: Expect, stdout: str, stderr: str = "", *, timed_out: bool = False) -> Outcome:
    """Check one invocation's printed output against what its event expects."""
    if timed_out or (_TIMED_OUT.search(stderr) and not stdout.strip()):
        return Outcome(False, "timeout", f"no answer in time; SAM printed: {quote(_tail(stderr))}")
    answer = answer_of(stdout)
    if answer is None:
        return Outcome(False, "no answer", f"nothing on stdout; SAM printed: {quote(_tail(stderr))}")
    if isinstance(answer, dict) and "errorType" in answer:
        message = f"{answer.get('errorType')}: {answer.get('errorMessage')}"
        return Outcome(False, "error", f"the function failed: {quote(message)}")
    if expect.kind == "authorizer":
        return _check_policy(answer)
    if expect.kind == "stream":
        return _check_batch(answer)
    return check_response(expect, answer)


def check_response(expect: Expect, answer: Any) -> Outcome:
    """An API Gateway proxy response: its status, then its body's shape."""
    if not isinstance(answer, dict) or "statusCode" not in answer:
        return Outcome(False, "not a response", f"no statusCode in {quote(json.dumps(answer))}")
    status = answer["statusCode"]
    body = answer.get("body") or ""
    if status != expect.status:
        return Outcome(False, str(status), f"expected {expect.status}, got {status}: {quote(str(body))}")
    problem = check_body(expect, str(body))
    return Outcome(problem is None, str(status), problem or "")


def check_body(expect: Expect, body: str) -> str | None:
    """What is wrong with a response body's shape (None: nothing)."""
    if expect.html_script is not None:
        page = body.lstrip().lower()
        if not page.startswith("<!doctype html"):
            return f"expected an HTML page, got {quote(body)}"
        wanted = f'src="{expect.html_script}"'
        return None if wanted in page else f"the page does not load {expect.html_script}: {quote(body)}"
    if expect.xml_root is not None:
        try:
            root = ElementTree.fromstring(body.encode("utf-8"))
        except ElementTree.ParseError as error:
            return f"expected an XML <{expect.xml_root}>, the body does not parse ({error}): {quote(body)}"
        tag = str(root.tag).rsplit("}", 1)[-1]
        return None if tag == expect.xml_root else f"expected an XML <{expect.xml_root}>, got <{tag}>"
    try:
        parsed = json.loads(body)
    except ValueError:
        return f"expected a JSON object, the body is not JSON: {quote(body)}"
    if not isinstance(parsed, dict):
        return f"expected a JSON object, got {quote(body)}"
    missing = [key for key in expect.keys if key not in parsed]
    if missing:
        return f"the body has no {', '.join(missing)}: {quote(body)}"
    empty = [key for key in expect.nonempty if not parsed.get(key)]
    if empty:
        return f"{', '.join(empty)} is empty where the seeded data should be: {quote(body)}"
    return None


def _check_policy(answer: Any) -> Outcome:
    statements = (
        ((answer or {}).get("policyDocument") or {}).get("Statement") if isinstance(answer, dict) else None
    )
    if not isinstance(answer, dict) or not answer.get("principalId") or not statements:
        return Outcome(False, "not a policy", f"expected an IAM policy, got {quote(json.dumps(answer))}")
    effects = {statement.get("Effect") for statement in statements}
    if effects != {"Allow"}:
        return Outcome(
            False, "/".join(sorted(map(str, effects))), f"expected Allow: {quote(json.dumps(answer))}"
        )
    if not (answer.get("context") or {}).get("tenant_id"):
        return Outcome(False, "Allow", "the policy's context names no tenant_id")
    return Outcome(True, "Allow")


def _check_batch(answer: Any) -> Outcome:
    if not isinstance(answer, dict) or "batchItemFailures" not in answer:
        return Outcome(False, "not a batch answer", f"no batchItemFailures in {quote(json.dumps(answer))}")
    failures = answer["batchItemFailures"]
    if failures:
        return Outcome(
            False, f"{len(failures)} failed", f"records to deliver again: {quote(json.dumps(failures))}"
        )
    return Outcome(True, "projected")


def _tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "(nothing)"
