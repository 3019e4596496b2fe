"""Orders domain: models, money rules, storage and the HTTP glue shared by every function."""

from orders_domain import cold_start, lean_imports

# First, before the function's modules load: inside Lambda, no cyclic collection while it initialises.
cold_start.pause()
# Before anything imports Powertools' event handler: load only the resolver the functions use.
lean_imports.install()
