"""DRF error handler: every error leaves the API as {"message", "code", "extra"}."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError
from .middleware import CONTROL_CHARACTERS


def _first_message(detail):
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        inner = _first_message(value)
        return inner if key in ("non_field_errors", "detail") else f"{key}: {inner}"
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(
            {"message": exc.message, "code": exc.code, "extra": exc.extra}, status=exc.status_code
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"message": _first_message(exc.detail), "code": "invalid", "extra": {"fields": exc.detail}}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        body = {"message": _first_message(getattr(exc, "detail", str(exc))), "code": code, "extra": {}}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        body["code"] = "throttled"
    response.data = body
    return response


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested too deeply for the decoder (a 400 instead of
    the RecursionError that escaped as a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "code": {"type": "string"}, "extra": {"type": "object"}},
    "required": ["message", "code", "extra"],
}


def _error_response(description):
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def document_refusals(result, generator, request, public):
    """drf-spectacular post-processing hook: the refusals every operation can answer before its
    view runs, in the error format — 400 (control characters in the path or query, see
    RequestSanityMiddleware; an unreadable body) and, with a request body, 413 (over the
    upload limit; complaints_portal.common.views.error_400) — and the parameters and bodies
    that avoid them (free-text parameters without control characters, JSON bodies)."""
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("400", _error_response("Refused: the request could not be read or is malformed."))
            if method in ("post", "put", "patch"):
                responses.setdefault("413", _error_response("Refused: the request body is too large."))
            for parameter in operation.get("parameters", []):
                _exclude_control_characters(parameter)
            _json_bodies(operation.get("requestBody"))
    return result


# What a free-text parameter may hold (RequestSanityMiddleware refuses the rest with 400); a path
# segment is also not empty and has no slash.
PARAMETER_PATTERNS = {"query": f"^[^{CONTROL_CHARACTERS}]*$", "path": f"^[^{CONTROL_CHARACTERS}/]+$"}


def _exclude_control_characters(parameter):
    schema = parameter.get("schema", {})
    pattern = PARAMETER_PATTERNS.get(parameter.get("in"))
    if pattern and schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
        schema["pattern"] = pattern


FORM_ENCODINGS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _json_bodies(body):
    """A body offered as JSON is documented as JSON only: the form encodings the parsers also read
    carry neither null, nor nested objects, nor a list of one item as the JSON body does, so the
    schema of the JSON body does not hold for them (file uploads stay multipart)."""
    if body and "application/json" in body.get("content", {}):
        for encoding in FORM_ENCODINGS:
            body["content"].pop(encoding, None)


# What a free-text field of a request body may hold: DRF's CharField refuses NUL (PostgreSQL
# cannot store it).
BODY_TEXT_PATTERN = "^[^\\u0000]*$"


def _free_text(schema):
    return schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema)


def document_body_text(result, generator, request, public):
    """drf-spectacular post-processing hook: the request components' free-text fields (split
    request components, named …Request) carry BODY_TEXT_PATTERN."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field in component.get("properties", {}).values():
            if _free_text(field):
                field["pattern"] = BODY_TEXT_PATTERN
            elif field.get("type") == "array" and _free_text(field.get("items", {})):
                field["items"]["pattern"] = BODY_TEXT_PATTERN
    return result
