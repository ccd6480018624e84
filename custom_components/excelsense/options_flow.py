"""The options flow: snapshot quality, streams, motion checks and lens care."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from .const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    CONF_LIVE_VIEW_STREAM,
    CONF_MOTION_CHECK_INTERVAL,
    CONF_MOTION_SOURCE,
    CONF_RTSP_TRANSPORT,
    CONF_SNAPSHOT_QUALITY,
    MOTION_CHECK_INTERVAL_RANGE,
    MOTION_SOURCES,
    RTSP_TRANSPORTS,
)
from .groups import MAX_STREAMS
from .options import (
    AUTO_CLEAN_MAX_PER_DAY_RANGE,
    LENS_INTERVAL_RANGE,
    SNAPSHOT_QUALITY_RANGE,
    ExcelSenseOptions,
    whole_number,
)

# The options form's numbers: option key, allowed range.
_OPTION_NUMBERS: tuple[tuple[str, tuple[int, int]], ...] = (
    (CONF_SNAPSHOT_QUALITY, SNAPSHOT_QUALITY_RANGE),
    (CONF_MOTION_CHECK_INTERVAL, MOTION_CHECK_INTERVAL_RANGE),
    (CONF_LENS_INTERVAL, LENS_INTERVAL_RANGE),
    (CONF_AUTO_CLEAN_MAX_PER_DAY, AUTO_CLEAN_MAX_PER_DAY_RANGE),
)


def _number_selector(
    limits: tuple[int, int], unit: str | None = None, *, slider: bool = False
) -> NumberSelector:
    config = NumberSelectorConfig(
        min=limits[0],
        max=limits[1],
        step=1,
        mode=NumberSelectorMode.SLIDER if slider else NumberSelectorMode.BOX,
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


class ExcelSenseOptionsFlow(OptionsFlow):
    """Options read at use time, so they apply without a reload."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options; store them once every number is a whole one in range."""
        errors: dict[str, str] = {}
        current = ExcelSenseOptions.from_config_entry(self.config_entry)
        if user_input is not None:
            data: dict[str, Any] = {}
            for key, limits in _OPTION_NUMBERS:
                # The form's own range check lets NaN through.
                number = whole_number(user_input.get(key), limits)
                if number is None:
                    errors[key] = "invalid_number"
                data[key] = number
            stream = whole_number(
                user_input.get(CONF_LIVE_VIEW_STREAM), (1, MAX_STREAMS)
            )
            if stream is None:
                errors[CONF_LIVE_VIEW_STREAM] = "invalid_number"
            data[CONF_LIVE_VIEW_STREAM] = stream
            data[CONF_RTSP_TRANSPORT] = user_input[CONF_RTSP_TRANSPORT]
            data[CONF_MOTION_SOURCE] = user_input[CONF_MOTION_SOURCE]
            if not errors:
                if data[CONF_MOTION_SOURCE] != current.motion_source:
                    # Every other option applies at its next use; the motion
                    # source is chosen while the camera loads.
                    self.hass.config_entries.async_schedule_reload(
                        self.config_entry.entry_id
                    )
                return self.async_create_entry(data=data)
        # The camera's streams; while it is not loaded, every stream it may
        # have (the stored choice must stay selectable).
        streams = list(range(1, MAX_STREAMS + 1))
        runtime = getattr(self.config_entry, "runtime_data", None)
        if runtime is not None:
            streams = list(runtime.coordinator.static.stream_ids)
        if current.live_view_stream not in streams:
            streams.append(current.live_view_stream)
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SNAPSHOT_QUALITY, default=current.snapshot_quality
                ): _number_selector(SNAPSHOT_QUALITY_RANGE, slider=True),
                vol.Required(
                    CONF_LIVE_VIEW_STREAM, default=str(current.live_view_stream)
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=[str(s) for s in streams],
                        translation_key=CONF_LIVE_VIEW_STREAM,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_RTSP_TRANSPORT, default=current.rtsp_transport
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=list(RTSP_TRANSPORTS),
                        translation_key=CONF_RTSP_TRANSPORT,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_MOTION_SOURCE, default=current.motion_source
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=list(MOTION_SOURCES),
                        translation_key=CONF_MOTION_SOURCE,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_MOTION_CHECK_INTERVAL,
                    default=int(current.motion_check_interval.total_seconds()),
                ): _number_selector(MOTION_CHECK_INTERVAL_RANGE, "s"),
                vol.Required(
                    CONF_LENS_INTERVAL,
                    default=int(current.lens_interval.total_seconds() // 60),
                ): _number_selector(LENS_INTERVAL_RANGE, "min"),
                vol.Required(
                    CONF_AUTO_CLEAN_MAX_PER_DAY, default=current.auto_clean_max_per_day
                ): _number_selector(AUTO_CLEAN_MAX_PER_DAY_RANGE),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )
