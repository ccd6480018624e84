"""One map from the client's exceptions to what Home Assistant shows.

Every place that reports a client error (commands, polling, actions, the
config flow) asks here, so one error reads the same everywhere. It only
maps: reauthentication and repair issues are started at the boundary (the
command decorator in ``helpers``, the coordinators).
"""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    ExcelSenseAlarmOperationError,
    ExcelSenseAuthenticationError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseHttpsRequiredError,
    ExcelSenseLoginPausedError,
    ExcelSensePermissionError,
    ExcelSenseShutdownError,
    ExcelSenseValidationError,
)
from .const import DOMAIN

# The config flow's form errors, by the key below.
FLOW_ERRORS = {
    "authentication_failed": "invalid_auth",
    "permission_denied": "permission_denied",
    "https_required": "https_required",
}


# Validation rules with a message of their own; others read "invalid_value".
# (The client's English message never reaches a translated sentence.)
TRANSLATED_REASONS = frozenset(
    {
        "date",
        "empty",
        "forbidden",
        "line_break",
        "log_minimum",
        "log_order",
        "maximum",
        "minimum",
        "range",
        "whole_number",
    }
)


# Error classes and their keys; anything else is "device_error".
_KEYS: tuple[tuple[type[ExcelSenseError], str], ...] = (
    (ExcelSenseLoginPausedError, "authentication_retry"),
    (ExcelSenseAuthenticationError, "authentication_failed"),
    (ExcelSensePermissionError, "permission_denied"),
    (ExcelSenseHttpsRequiredError, "https_required"),
    (ExcelSenseConnectionError, "communication_error"),
    (ExcelSenseShutdownError, "shutting_down"),
)


def error_key(err: ExcelSenseError) -> str:
    """The translation key (translations/en.json ``exceptions``) of an error."""
    if isinstance(err, ExcelSenseValidationError):
        if err.reason in TRANSLATED_REASONS:
            return f"invalid_{err.reason}"
        return "invalid_value"
    if isinstance(err, ExcelSenseAlarmOperationError):
        return f"alarm_{err.step}_failed"
    return next((key for kind, key in _KEYS if isinstance(err, kind)), "device_error")


def placeholders(err: ExcelSenseError, field: str | None = None) -> dict[str, str]:
    """The translation placeholders of an error (never a password or URL)."""
    if isinstance(err, ExcelSenseValidationError):
        return {"field": field or err.field, **err.details}
    if isinstance(err, ExcelSenseAlarmOperationError):
        return {"error": str(err.__cause__ or err)}
    if isinstance(
        err,
        ExcelSenseAuthenticationError
        | ExcelSensePermissionError
        | ExcelSenseHttpsRequiredError
        | ExcelSenseShutdownError,
    ):
        return {}
    return {"error": str(err)}


def to_home_assistant(
    err: ExcelSenseError, *, field: str | None = None
) -> HomeAssistantError:
    """The translated error a user sees; bad input is a validation error."""
    kind = (
        ServiceValidationError
        if isinstance(err, ExcelSenseValidationError)
        else HomeAssistantError
    )
    return kind(
        translation_domain=DOMAIN,
        translation_key=error_key(err),
        translation_placeholders=placeholders(err, field),
    )


def flow_error(err: ExcelSenseError) -> str:
    """The config flow's form error for a failed connection test."""
    return FLOW_ERRORS.get(error_key(err), "cannot_connect")


def invalid_input(key: str, **values: str) -> ServiceValidationError:
    """A translated refusal of input an entity checks itself."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=values
    )
