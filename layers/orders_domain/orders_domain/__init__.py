"""Orders domain: the package every function shares, in rooms by role; no module lives at its root.

- `http`: the HTTP edge (resolver, routes and scopes, API keys, Idempotency-Key, page tokens,
  representations); may import every room below it, and of storage only `storage.faults`
- `runtime`: settings, the wiring that builds clients, stores and services, cold-start GC, lean
  imports; may import every room but the resolver (`http.api`, `http.handler`, `http.representation`)
- `services`: one use case per module, on the ports; no storage, HTTP, runtime, boto3
- `domain`: rules and plain values (lifecycle, money, errors, exact JSON, ports, the pure rules of
  orders and their versions); with `models`, no I/O, HTTP, wiring or services
- `models`: the pydantic models, one module per boundary
- `storage`: DynamoDB (and EventBridge) behind the ports, every key (`storage.keys`) and the
  translation of DynamoDB errors (`storage.faults`); built by runtime only
- `dialects`: the source APIs' shapes, translated at the edge

Even the leaves every room uses (`domain.errors`, `domain.jsonio`, `domain.money`) have a room: a
leaf imports nothing of the package, so any room may import it, and the root stays this file only.
tests/unit/test_import_direction.py holds every room to its rule (and lists the debt, issue 30).
"""

from orders_domain.runtime import cold_start, lean_imports

# First, before the function's modules load: inside Lambda, no cyclic collection while it initialises.
cold_start.pause()
# Before anything imports Powertools' event handler: load only the resolver the functions use.
lean_imports.install()
