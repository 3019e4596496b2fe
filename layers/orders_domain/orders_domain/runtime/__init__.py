"""Start-up and composition: settings, wiring, cold-start GC, lean imports; imports any room but the resolver.

`wiring` builds settings, clients, stores and services lazily, once (the only module that builds
storage); `settings`, `cold_start` and `lean_imports` import nothing of the package (they load first,
from `orders_domain/__init__.py`). Nothing here knows requests or answers: no `http.api`,
`http.handler` or `http.representation`.
"""
