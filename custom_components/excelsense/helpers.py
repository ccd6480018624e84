"""The command decorator: run, translate client errors, refresh the group."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate

from .api import ExcelSenseError
from .entity import ExcelSenseEntity
from .errors import handle_command_error

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine


def excelsense_command[E: ExcelSenseEntity, **P](
    func: Callable[Concatenate[E, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[E, P], Coroutine[Any, Any, None]]:
    """Run a command, translate its errors, then re-read the entity's group."""

    @wraps(func)
    async def handler(self: E, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except ExcelSenseError as err:
            # Name what the user touched (the entity), not the API field.
            name = self.name if isinstance(self.name, str) else self.entity_id
            raise handle_command_error(
                self.hass, self.coordinator.config_entry, err, field=name or None
            ) from err
        await self.coordinator.async_refresh_group(self.group)

    return handler  # type: ignore[return-value]  # functools.wraps typing
