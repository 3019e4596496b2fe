"""Import only the Powertools event handler our functions use, not every resolver it ships.

`aws_lambda_powertools/event_handler/__init__.py` imports all of its resolvers eagerly: AppSync's
(which loads asyncio), AppSync Events', Bedrock Agent's, VPC Lattice's, Lambda function URL's and
the HTTP resolver. Each API Gateway function pays about 20 ms of its cold start for modules it never
runs, and the proof-harness budget for a cold start is 1.5x a bare boto3 client.

`install()` puts a one-shot finder on `sys.meta_path`: when `aws_lambda_powertools.event_handler` is
first imported, the package module is created from Powertools' own spec (same `__path__`, so every
submodule imports as usual) but its `__init__` is not run; each name it would have exported is
imported from its submodule on first access (PEP 562), so `from aws_lambda_powertools.event_handler
import Response` still works, for our code and Powertools' alike. `EXPORTS` mirrors the pinned
Powertools version's `__init__`; tests/unit/test_lean_imports.py fails if they drift apart.

It must be installed before anything imports the event handler: `orders_domain/__init__.py` does,
and function modules import `orders_domain` first (the route parameter types come from
`orders_domain.http.api`). Installed late, it does nothing: the real package is already loaded.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

PACKAGE = "aws_lambda_powertools.event_handler"
_API_GATEWAY = f"{PACKAGE}.api_gateway"

#: name -> the submodule Powertools' event_handler/__init__.py imports it from.
EXPORTS: dict[str, str] = {
    "ALBResolver": _API_GATEWAY,
    "APIGatewayHttpResolver": _API_GATEWAY,
    "ApiGatewayResolver": _API_GATEWAY,
    "APIGatewayRestResolver": _API_GATEWAY,
    "CORSConfig": _API_GATEWAY,
    "Response": _API_GATEWAY,
    "AppSyncResolver": f"{PACKAGE}.appsync",
    "BedrockAgentResolver": f"{PACKAGE}.bedrock_agent",
    "BedrockResponse": f"{PACKAGE}.bedrock_agent",
    "BedrockAgentFunctionResolver": f"{PACKAGE}.bedrock_agent_function",
    "BedrockFunctionResponse": f"{PACKAGE}.bedrock_agent_function",
    "DependencyResolutionError": f"{PACKAGE}.depends",
    "Depends": f"{PACKAGE}.depends",
    "AppSyncEventsResolver": f"{PACKAGE}.events_appsync.appsync_events",
    "HttpResolver": f"{PACKAGE}.http_resolver",
    "HttpResolverLocal": f"{PACKAGE}.http_resolver",
    "LambdaFunctionUrlResolver": f"{PACKAGE}.lambda_function_url",
    "Request": f"{PACKAGE}.request",
    "VPCLatticeResolver": f"{PACKAGE}.vpc_lattice",
    "VPCLatticeV2Resolver": f"{PACKAGE}.vpc_lattice",
}


class _LazyPackageLoader:
    """Creates the package module as usual, and gives it lazy attributes instead of running its __init__."""

    def create_module(self, spec: Any) -> None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        def __getattr__(name: str) -> Any:
            source = EXPORTS.get(name)
            if source is None:
                raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")
            value = getattr(importlib.import_module(source), name)
            setattr(module, name, value)
            return value

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        module.__all__ = list(EXPORTS)  # type: ignore[attr-defined]


class _EventHandlerFinder:
    """One-shot: supplies the lazy loader for the event handler package, then steps aside."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != PACKAGE:
            return None
        uninstall()
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.submodule_search_locations is None:
            return None
        spec.loader = _LazyPackageLoader()  # type: ignore[assignment]  # a Loader by protocol
        return spec


_FINDER = _EventHandlerFinder()


def install() -> None:
    """Make the next first import of the event handler package lean (no-op if it is loaded already)."""
    if PACKAGE not in sys.modules and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
