"""The dates family, from the document: both ends of the calendar with extreme offsets in every
date field of every body (the order's `date` with `override_order_date: true`), then the tenant's
reads; in every date query. (The search's date ranges, after the stored ones: search.py.)"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from harness.fuzz.boundaries.cases import (
    DATE_EXTREMES,
    EITHER,
    TENANT_READS,
    Bounds,
    Case,
    Counter,
    Expect,
)
from harness.fuzz.boundaries.routes import (
    CREATE,
    PATCH,
    PUT,
    SEARCH,
    body_case,
    body_operations,
    default_params,
    field_name,
)
from harness.fuzz.boundaries.schema import operations, parameter_schema, parameters, walk
from harness.fuzz.boundaries.table import cases_of

DATE_NAMES = re.compile(r"(^|_)date($|_)|^asOf$|^created_time")


def is_date(name: str, schema: Mapping[str, Any]) -> bool:
    return schema.get("format") in ("date", "date-time") or bool(DATE_NAMES.search(name))


@cases_of("dates", 10)
def date_fields(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Both ends of the calendar with extreme offsets in every date field of every body (the order's
    `date` with `override_order_date: true`), then the tenant's reads."""
    del bounds
    cases: list[Case] = []
    for method, route, schema in body_operations(document):
        if (method, route) == SEARCH:
            continue
        for path, leaf in walk(document, schema):
            if not path or leaf.get("type") != "string" or not isinstance(path[-1], str):
                continue
            if not is_date(str(path[-1]), leaf):
                continue
            for label, value in DATE_EXTREMES:
                quick = (method, route, path) == (*CREATE, ("date",)) and label in (
                    "year 1 at +14:00",
                    "year 9999 at -12:00",
                )
                then = TENANT_READS if (method, route) in (CREATE, PATCH, PUT) else ()
                case = body_case(
                    "dates",
                    f"{field_name(method, route, path)} = {label}",
                    document,
                    method,
                    route,
                    path,
                    value,
                    EITHER,
                    counter,
                    quick=quick,
                    then=then,
                )
                if path == ("date",) and (method, route) == PATCH:
                    case = replace(
                        case, body=[*case.body, {"op": "add", "path": "/override_order_date", "value": True}]
                    )
                elif path == ("date",) and isinstance(case.body, dict):
                    case = replace(case, body={**case.body, "override_order_date": True})
                cases.append(case)
    return cases


@cases_of("dates", 20)
def date_queries(document: Mapping[str, Any], bounds: Bounds, counter: Counter) -> list[Case]:
    """Both ends of the calendar with extreme offsets in every date query (`asOf`, ...)."""
    del bounds, counter
    cases: list[Case] = []
    for method, route in operations(document):
        for parameter in parameters(document, method, route, "query"):
            if not is_date(parameter["name"], parameter_schema(document, parameter)):
                continue
            for label, value in DATE_EXTREMES:
                cases.append(
                    Case(
                        "dates",
                        f"?{parameter['name']}={label}",
                        method,
                        route,
                        params=default_params(route, "scratch"),
                        query=((parameter["name"], value),),
                        expect=Expect(EITHER),
                        quick=label == "year 1 at +14:00"
                        and parameter["name"] in ("asOf", "created_time[gte]"),
                    )
                )
    return cases
