"""console: the operator console's files (issue 35), served by the API itself: `GET /console` answers
the page and `GET /console/{asset}` its script modules, style sheet and icon, each a file of this
function's `static/` folder (flat: an asset is one path segment). No key is asked for here (the
page asks the operator for one and sends it to the API's own routes); nothing else is served.
`/console/` (a trailing slash, where the page's relative links would miss) is a 308 to `/console`.

Every answer carries a strict Content-Security-Policy (scripts, styles and requests from this origin
only, no inline script or style, no framing, no form posts, no `<base>`) and the usual hardening
headers. The files are read once per instance, on its first request, and answered with a strong
ETag (a revalidated copy is a 304 without a body). An unknown asset is the API's 404 problem.

It imports no boto3, pydantic or Powertools: its cold start is Python's and a directory's read.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from orders_domain.domain.errors import NotFound
from orders_domain.http.problem import PROBLEM_JSON, problem_body
from orders_domain.runtime import cold_start

STATIC = Path(__file__).resolve().parent / "static"
PAGE = "index.html"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: Revalidated on every load (the ETag makes that a 304), so a deploy is seen at once.
CACHE_CONTROL = "no-cache"

Asset = tuple[str, str, str]  # (text, content type, ETag)
_assets: dict[str, Asset] | None = None


def assets(folder: Path = STATIC) -> dict[str, Asset]:
    """Every servable file of `folder` by name: a known type, not hidden."""
    found: dict[str, Asset] = {}
    for path in sorted(folder.iterdir()):
        kind = TYPES.get(path.suffix)
        if kind is None or path.name.startswith(".") or not path.is_file():
            continue
        data = path.read_bytes()
        found[path.name] = (data.decode("utf-8"), kind, '"' + hashlib.sha256(data).hexdigest()[:32] + '"')
    return found


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return _answer(event)
    finally:
        cold_start.resume()


def _answer(event: dict[str, Any]) -> dict[str, Any]:
    global _assets
    if _assets is None:
        _assets = assets()
    name = (event.get("pathParameters") or {}).get("asset") or PAGE
    if name == PAGE and str(event.get("path") or "").endswith("/"):
        # `/console/`: the page's relative links would miss; the same page without the slash
        headers = {**SECURITY_HEADERS, "Location": "../console", "Cache-Control": CACHE_CONTROL}
        return {"statusCode": 308, "headers": headers, "body": "", "isBase64Encoded": False}
    asset = _assets.get(name)
    if asset is None:
        request_id = str((event.get("requestContext") or {}).get("requestId") or "")
        problem = problem_body(NotFound("The console has no such file."), request_id)
        headers = {**SECURITY_HEADERS, "Content-Type": PROBLEM_JSON, "Cache-Control": CACHE_CONTROL}
        return {"statusCode": 404, "headers": headers, "body": json.dumps(problem), "isBase64Encoded": False}
    text, kind, etag = asset
    headers = {**SECURITY_HEADERS, "Content-Type": kind, "ETag": etag, "Cache-Control": CACHE_CONTROL}
    asked = {tag.strip() for tag in str(_header(event, "if-none-match") or "").split(",")}
    if etag in asked or "*" in asked:
        return {"statusCode": 304, "headers": headers, "body": "", "isBase64Encoded": False}
    return {"statusCode": 200, "headers": headers, "body": text, "isBase64Encoded": False}


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None
