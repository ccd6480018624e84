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

    from .data import ExcelSenseConfigEntry


class AlarmOutputRepairFlow(ConfirmRepairFlow):
    """Confirm, then end any pulse, restore the self-clean profile, re-check."""

    def __init__(self, entry: ExcelSenseConfigEntry | None) -> None:
        """Repair one camera."""
        super().__init__()
        self._entry = entry

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Restore on confirmation."""
        if user_input is None:
            return self.async_show_form(step_id="confirm")
        entry = self._entry
        if entry is None or not hasattr(entry, "runtime_data"):
            return self.async_abort(reason="not_loaded")
        runtime = entry.runtime_data
        try:
            await runtime.client.restore_self_clean_profile()
        except ExcelSenseError:
            return self.async_show_form(
                step_id="confirm", errors={"base": "restore_failed"}
            )
        # Reading the output back clears the issue once it is right.
        await runtime.coordinator.async_refresh_group(Group.ALARM_OUT)
        return self.async_create_entry(data={})


class LensRelearnFlow(ConfirmRepairFlow):
    """Confirm, then take the current picture as the lens's clean reference."""

    def __init__(self, entry: ExcelSenseConfigEntry | None) -> None:
        """Repair one camera's lens care."""
        super().__init__()
        self._entry = entry

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Re-learn on confirmation (clears the issue)."""
        if user_input is None:
            return self.async_show_form(step_id="confirm")
        entry = self._entry
        if entry is None or getattr(entry, "runtime_data", None) is None:
            return self.async_abort(reason="not_loaded")
        lens = entry.runtime_data.lens
        if lens is None:
            return self.async_abort(reason="not_loaded")
        try:
            await lens.async_relearn()
        except ExcelSenseError:
            return self.async_show_form(
                step_id="confirm", errors={"base": "relearn_failed"}
            )
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow for a fixable issue of this integration."""
    flows: dict[str, type[AlarmOutputRepairFlow | LensRelearnFlow]] = {
        ISSUE_ALARM_OUTPUT: AlarmOutputRepairFlow,
        ISSUE_LENS_NOT_IMPROVING: LensRelearnFlow,
    }
    flow = next((f for kind, f in flows.items() if issue_id.startswith(kind)), None)
    if flow is None:
        msg = f"Unknown issue {issue_id}"
        raise HomeAssistantError(msg)
    entry_id = str((data or {}).get("entry_id", ""))
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is not None and entry.domain != DOMAIN:
        entry = None
    return flow(entry)
