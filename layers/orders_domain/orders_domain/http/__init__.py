"""HTTP edge: resolver, routes, keys, Idempotency-Key, page tokens; may import any room (of storage: faults).

`api` (the resolver, exact JSON in and out, problem details), `handler` (FunctionApp), `routes` (every
route and its scope), `representation` (an order as clients see it), `idempotency` (Idempotency-Key on
Powertools), `page_tokens` (opaque tokens in query strings) and `auth`. `auth` lives here, not in
domain: its rules are about requests (the headers a key comes in, 401 and 403, the scope of a route
from `routes`), and the principal it yields is the edge's; nothing below the HTTP edge asks for one.
Every room below it may be imported (runtime, services, domain, models, dialects); storage is built
by runtime only, and `storage.faults` is the one exception: the idempotency store is DynamoDB too.
"""
