"""Fix flows of the repair issues (raised and cleared in ``issues``).

The alarm output: end any pulse and restore the self-clean profile. The lens
that does not improve: take the current picture as its clean reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.exceptions import HomeAssistantError

from .api import ExcelSenseError
from .const import DOMAIN, ISSUE_ALARM_OUTPUT, ISSUE_LENS_NOT_IMPROVING
from .groups import Group

if TYPE_CHECKING:
    from homeassistant import data_entry_flow
    from homeassistant.core import HomeAssistant

    from .data import ExcelSenseConfigEntry, ExcelSenseRuntimeData


class _CameraRepairFlow(ConfirmRepairFlow):
    """Confirm, then fix one loaded camera (``_fix``); its error key on failure."""

    error = "restore_failed"

    def __init__(self, entry: ExcelSenseConfigEntry | None) -> None:
        """Repair one camera."""
        super().__init__()
        self._entry = entry

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Fix on confirmation; the form again with an error when it fails."""
        if user_input is None:
            return self.async_show_form(step_id="confirm")
        runtime = getattr(self._entry, "runtime_data", None)
        if runtime is None or not self._can_fix(runtime):
            return self.async_abort(reason="not_loaded")
        try:
            await self._fix(runtime)
        except ExcelSenseError:
            return self.async_show_form(step_id="confirm", errors={"base": self.error})
        return self.async_create_entry(data={})

    def _can_fix(self, runtime: ExcelSenseRuntimeData) -> bool:
        return True

    async def _fix(self, runtime: ExcelSenseRuntimeData) -> None:
        raise NotImplementedError


class AlarmOutputRepairFlow(_CameraRepairFlow):
    """End any pulse, restore the self-clean profile, read it back."""

    async def _fix(self, runtime: ExcelSenseRuntimeData) -> None:
        await runtime.client.restore_self_clean_profile()
        # Reading the output back clears the issue once it is right.
        await runtime.coordinator.async_refresh_group(Group.ALARM_OUT)


class LensRelearnFlow(_CameraRepairFlow):
    """Take the current picture as the lens's clean reference (clears the issue)."""

    error = "relearn_failed"

    def _can_fix(self, runtime: ExcelSenseRuntimeData) -> bool:
        return runtime.lens is not None

    async def _fix(self, runtime: ExcelSenseRuntimeData) -> None:
        assert runtime.lens is not None  # noqa: S101 - checked by _can_fix
        await runtime.lens.async_relearn()


_FLOWS: dict[str, type[_CameraRepairFlow]] = {
    ISSUE_ALARM_OUTPUT: AlarmOutputRepairFlow,
    ISSUE_LENS_NOT_IMPROVING: LensRelearnFlow,
}


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow for a fixable issue of this integration."""
    flow = next((f for kind, f in _FLOWS.items() if issue_id.startswith(kind)), None)
    if flow is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="unknown_issue",
            translation_placeholders={"issue_id": issue_id},
        )
    entry_id = str((data or {}).get("entry_id", ""))
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is not None and entry.domain != DOMAIN:
        entry = None
    return flow(entry)
