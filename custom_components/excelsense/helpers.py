"""One decorator that turns client errors into translated Home Assistant errors."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    ExcelSenseAlarmOperationError,
    ExcelSenseAuthenticationError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSensePermissionError,
    ExcelSenseValidationError,
)
from .const import DOMAIN
from .coordinator import raise_alarm_output_issue
from .entity import ExcelSenseEntity

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine


def translate_error(
    entity: ExcelSenseEntity, err: ExcelSenseError
) -> HomeAssistantError:
    """Map a client error to the error a user sees (and side effects it needs)."""
    entry = entity.coordinator.config_entry
    if isinstance(err, ExcelSenseValidationError):
        # Name what the user touched (the entity), not the API field behind it.
        name = entity.name if isinstance(entity.name, str) else entity.entity_id
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders={
                "field": name or err.field,
                "reason": err.message,
            },
        )
    if isinstance(err, ExcelSenseAlarmOperationError):
        if not err.restored:
            raise_alarm_output_issue(entity.hass, entry)
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=f"alarm_{err.step}_failed",
            translation_placeholders={"error": str(err.__cause__ or err)},
        )
    if isinstance(err, ExcelSenseAuthenticationError):
        entry.async_start_reauth(entity.hass)
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    if isinstance(err, ExcelSensePermissionError):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="permission_denied"
        )
    key = (
        "communication_error"
        if isinstance(err, ExcelSenseConnectionError)
        else "device_error"
    )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


def excelsense_command[E: ExcelSenseEntity, **P](
    func: Callable[Concatenate[E, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[E, P], Coroutine[Any, Any, None]]:
    """Run a command, translate its errors, then refresh the camera's state."""

    @wraps(func)
    async def handler(self: E, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except ExcelSenseError as err:
            raise translate_error(self, err) from err
        await self.coordinator.async_refresh_group(self.group)

    return handler  # type: ignore[return-value]  # functools.wraps typing
