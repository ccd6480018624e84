"""The command boundary: run, translate client errors, start their side effects.

Every entity command and every action goes through here, so a refused login
starts reauthentication and an operation that could not leave the alarm
output right raises its repair issue, the same way from any entry point.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate

from .api import (
    ExcelSenseAlarmOperationError,
    ExcelSenseAuthenticationError,
    ExcelSenseError,
)
from .entity import ExcelSenseEntity
from .errors import to_home_assistant
from .issues import raise_alarm_output_issue

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine

    from homeassistant.core import HomeAssistant

    from .data import ExcelSenseConfigEntry


@asynccontextmanager
async def command_errors(
    hass: HomeAssistant, entry: ExcelSenseConfigEntry, *, field: str | None = None
) -> AsyncIterator[None]:
    """Turn a client error into the translated error a user sees.

    ``field`` names what the user touched (an entity), not the API field.
    """
    try:
        yield
    except ExcelSenseError as err:
        if isinstance(err, ExcelSenseAlarmOperationError) and not err.restored:
            raise_alarm_output_issue(hass, entry)
        elif isinstance(err, ExcelSenseAuthenticationError) and _login_given_up(entry):
            entry.async_start_reauth(hass)
        raise to_home_assistant(err, field=field) from err


def _login_given_up(entry: ExcelSenseConfigEntry) -> bool:
    """Whether the camera refused the password for good (its login gate).

    One refusal is confirmed by a retry after a pause first: a camera's
    session table can refuse a login by mistake.
    """
    runtime = getattr(entry, "runtime_data", None)
    return runtime is None or runtime.client.transport.gate.given_up


def excelsense_command[E: ExcelSenseEntity[Any], **P](
    func: Callable[Concatenate[E, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[E, P], Coroutine[Any, Any, None]]:
    """An entity command: run it, translate its errors, re-read what it changed."""

    @wraps(func)
    async def handler(self: E, *args: P.args, **kwargs: P.kwargs) -> None:
        name = self.name if isinstance(self.name, str) else self.entity_id
        async with command_errors(
            self.hass, self.coordinator.config_entry, field=name or None
        ):
            await func(self, *args, **kwargs)
        await self.camera.async_refresh_group(self.command_group)

    return handler  # type: ignore[return-value]  # functools.wraps typing
