"""Orders domain: models, money rules, storage and the HTTP glue shared by every function."""

from orders_domain import lean_imports

# Before anything imports Powertools' event handler: load only the resolver the functions use.
lean_imports.install()
