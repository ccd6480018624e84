"""Self-clean: a blocking button press until it returns, against the pulse's budget.

A press runs the whole alarm operation (start the pulse, hold it for
alarmTime, end it, restore and verify the profile); it should not take much
more than alarmTime, the safety margin and four requests' latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

from homeassistant.components.button.const import (
    DOMAIN as BUTTON_DOMAIN,
    SERVICE_PRESS,
)
from homeassistant.const import ATTR_ENTITY_ID

from custom_components.excelsense.api import ALARM_PULSE_MARGIN, AlarmOperation

from .harness import MS, camera, entity_id, ms, say, set_up, wall
from .results import Metric, record_all

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .settings import Settings


@dataclass(frozen=True)
class Presses:
    """Each press: its duration, the requests it sent, the pulse it gave."""

    seconds: list[float]
    requests: list[list[str]]
    pulses: list[float]


async def measure(hass: HomeAssistant, settings: Settings) -> Presses:
    """Press self-clean ``settings.press_repeats`` times, one after the other."""
    async with camera(settings) as cam:
        entry = await set_up(hass, cam.port)
        button = entity_id(hass, "button", f"{entry.unique_id}_self_clean")
        presses = Presses(seconds=[], requests=[], pulses=[])
        for _ in range(settings.press_repeats):
            before = len(cam.pulses)
            cam.clear_requests()
            started = wall()
            await hass.services.async_call(
                BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
            )
            presses.seconds.append(wall() - started)
            presses.requests.append(
                [
                    f"{r.path}:{r.get('type') or r.get('controlFlag')}"
                    for r in cam.requests
                ]
            )
            new = cam.pulses[before:]
            if len(new) != 1 or not new[0].completed or new[0].end is None:
                msg = f"expected one completed pulse, got {new!r}"
                raise RuntimeError(msg)
            presses.pulses.append(new[0].end - new[0].start)
        await hass.config_entries.async_unload(entry.entry_id)
    return presses


def report(presses: Presses, settings: Settings) -> list[Metric]:
    """Median press duration / (alarmTime + margin + 4 x latency)."""
    alarm_time = int(AlarmOperation.SELF_CLEAN) / MS
    budget = alarm_time + ALARM_PULSE_MARGIN + 4 * settings.latency
    wall_time = median(presses.seconds)
    return [
        Metric(
            key="self_clean",
            name="Self-clean press-to-return / (alarmTime + margin + 4 x latency)",
            value=round(wall_time / budget, 3),
            limit=1.1,
            details={
                "press_ms_median": ms(wall_time),
                "press_ms": [ms(d) for d in presses.seconds],
                "budget_ms": ms(budget),
                "pulse_ms": [ms(p) for p in presses.pulses],
                "requests_per_press": [len(r) for r in presses.requests],
                "requests_of_first_press": presses.requests[0],
            },
        )
    ]


async def test_self_clean(
    hass: HomeAssistant, socket_enabled: None, settings: Settings
) -> None:
    """button.press (blocking) to return, against the pulse budget."""
    say("self-clean press")
    record_all(settings.results, report(await measure(hass, settings), settings))
