"""Repair issues: the alarm output left out of self-clean, and its fix flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .api import ExcelSenseError
from .const import DOMAIN, ISSUE_ALARM_OUTPUT
from .groups import Group

if TYPE_CHECKING:
    from homeassistant import data_entry_flow
    from homeassistant.core import HomeAssistant

    from .data import ExcelSenseConfigEntry


def _issue_id(entry: ExcelSenseConfigEntry) -> str:
    return f"{ISSUE_ALARM_OUTPUT}_{entry.entry_id}"


def raise_alarm_output_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Show the fixable issue: the output is not in self-clean, or may be on."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_ALARM_OUTPUT,
        translation_placeholders={"name": entry.title},
        data={"entry_id": entry.entry_id},
    )


def clear_alarm_output_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Remove the issue once the output is right again."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry))


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


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow for a fixable issue of this integration."""
    if not issue_id.startswith(ISSUE_ALARM_OUTPUT):
        msg = f"Unknown issue {issue_id}"
        raise HomeAssistantError(msg)
    entry_id = str((data or {}).get("entry_id", ""))
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is not None and entry.domain != DOMAIN:
        entry = None
    return AlarmOutputRepairFlow(entry)
