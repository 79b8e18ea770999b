"""drf-spectacular post-processing hooks of the complaint API.

Links: where a case's reference, once known, leads.

A client (and the schema fuzz's stateful phase) that registers a case, or lists the cases it
may see, can follow these links to every path of that case. Written from the schema itself
(every path below ``/api/v1/complaints/{reference}/`` that needs nothing but the reference),
so a new case endpoint gets its link without a second list to keep.
"""
import re

CASES = "/api/v1/complaints/"
CASE_PATH = CASES + "{reference}/"
PARAMETER = re.compile(r"{(\w+)}")

# (method, status) of the collection's answers that name cases, and where the reference is.
SOURCES = {
    ("post", "201"): "$response.body#/reference",  # the case just registered
    ("get", "200"): "$response.body#/results/0/reference",  # the first case of the page
}


def _case_operations(paths):
    """(operationId, method, path) of each operation on one case that needs only its reference."""
    for path, item in paths.items():
        if not path.startswith(CASE_PATH) or PARAMETER.findall(path) != ["reference"]:
            continue
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation["operationId"], method, path


def link_case_paths(result, generator, request, public):
    """drf-spectacular post-processing hook: links from the case list and from the registration
    to each operation on one case."""
    paths = result.get("paths", {})
    targets = sorted(_case_operations(paths))
    collection = paths.get(CASES, {})
    for (method, status), reference in SOURCES.items():
        response = collection.get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {
            operation_id: {
                "operationId": operation_id,
                "parameters": {"reference": reference},
                "description": f"{verb.upper()} {path} of the case",
            }
            for operation_id, verb, path in targets
        }
    return result


TRANSITIONS = CASE_PATH + "transitions/"


def require_transition_body(result, generator, request, public):
    """The transitions body is one of the actions' bodies (PolymorphicProxySerializer), which
    drf-spectacular leaves optional; every one of them needs `action`, so the body is required."""
    body = result.get("paths", {}).get(TRANSITIONS, {}).get("post", {}).get("requestBody")
    if body is not None:
        body["required"] = True
    return result
