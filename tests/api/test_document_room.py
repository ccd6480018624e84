"""Where the document leaves room: replies its examples and tables both allow.

Each test quotes the document's lines that allow the reply, and checks the
client reads it and never sends back less than it read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from custom_components.excelsense.api import (
    AlarmLinkage,
    ExcelSenseResponseError,
    ExcelSenseValidationError,
)

from .helpers import LOG_END, LOG_START, SELF_CLEAN_LINK

if TYPE_CHECKING:
    from custom_components.excelsense.api import ExcelSenseClient
    from tests.emulator import EmulatedCamera

    from .conftest import ExpectError


def _sets(camera: EmulatedCamera, kind: str) -> list[dict[str, str]]:
    """The set requests of ``kind`` the camera received, as dicts."""
    return [
        dict(r.params)
        for r in camera.requests
        if r.get("type") == kind and r.get("action") == "set"
    ]


async def test_osd_canvas_position_with_a_fraction_is_kept(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """topX/topY are read as decimals and sent back unmoved.

    Get OSD Canvas example output: "topX=0.000000"; the table: "topX int
    Top-left X coordinate as a percentage of total width (0-100)".
    """
    canvas_values = camera.state.osd_canvases[1].values
    canvas_values.update(topX="12.500000", topY="33.333333")
    canvas = (await client.osd_canvases()).get(2)
    assert canvas is not None
    assert (canvas.top_x, canvas.top_y) == (12.5, 33.333333)

    await client.set_osd_canvas(canvas)
    (sent,) = _sets(camera, "OSDCanvas")
    # The get's own form, not rounded to a whole percentage.
    assert (sent["topX"], sent["topY"]) == ("12.500000", "33.333333")
    assert (canvas_values["topX"], canvas_values["topY"]) == ("12.500000", "33.333333")

    # A whole number goes as the set example writes it ("topX=0&topY=50").
    await client.set_osd_canvas(replace(canvas, top_x=0.0, top_y=50))
    sent = _sets(camera, "OSDCanvas")[-1]
    assert (sent["topX"], sent["topY"]) == ("0", "50")

    err = await expect_error(
        ExcelSenseValidationError, client.set_osd_canvas(replace(canvas, top_x=100.5))
    )
    assert (err.field, err.reason) == ("top_x", "range")


async def test_linkage_of_an_unlisted_type_is_sent_back(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """A linkage read from the camera goes back as it came, whatever its type.

    "ActionType int Linkage action type. `1`: Alarm Trigger (Self-Clean)
    `4`: Record" - the list has a gap and forbids no other type (one may be
    set in the camera's web interface).
    """
    camera.state.motion_alarm.loops["AlarmLinkage"] = [
        {"ActionID": "1", "ActionType": "2"}
    ]
    motion = await client.motion_alarm()
    assert [link.action_type for link in motion.linkages] == [2]

    # What the self-clean-on-motion switch does: keep the others, add one.
    await client.set_motion_alarm(linkages=[*motion.linkages, SELF_CLEAN_LINK])
    assert camera.state.motion_alarm.loops["AlarmLinkage"] == [
        {"ActionID": "1", "ActionType": "2"},
        {"ActionID": "1", "ActionType": "1"},
    ]

    # A linkage the caller adds must still be one the document lists.
    unlisted = AlarmLinkage(action_type=2, action_id=1)
    err = await expect_error(
        ExcelSenseValidationError, client.set_motion_alarm(linkages=[unlisted])
    )
    assert err.field == "action_type"


async def test_log_query_without_results_is_empty(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """An empty log answered with "-311 No results found" is no entries.

    The document's error codes: "-311 No results found".
    """
    camera.quirks.log_no_results = True
    assert await client.alarm_log(LOG_START, LOG_END) == []
    assert await client.system_log(LOG_START, LOG_END, log_type=9) == []
    assert camera.requests[-1].status == 200

    camera.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
    camera.trigger_motion()
    (entry,) = await client.alarm_log(LOG_START, LOG_END)
    assert entry.fields["description"] == "motion"


async def test_record_schedule_in_the_table_spelling(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Unsuffixed startTime/endTime is the first period, and is kept on set.

    The Record Policy table: "startTime long Start time in seconds
    (0-86400)"; its example: "startTime1=0 endTime1=86400".
    """
    camera.quirks.schedule_unsuffixed = True
    current = await client.record_policy()
    assert [day.periods for day in current.schedule] == [((0, 86400),)] * 7

    await client.set_record_policy(current, enabled=True)
    (sent,) = _sets(camera, "recordPolicy")
    assert (sent["startTime1"], sent["endTime1"]) == ("0", "86400")
    days = camera.state.record_policy.loops["weekDay"]
    assert [(d["startTime1"], d["endTime1"]) for d in days] == [("0", "86400")] * 7


@pytest.mark.parametrize(
    ("day", "unread"),
    [
        (
            {"weekDay": "2", "startTime1": "0", "endTime1": "60", "start_time2": "90"},
            "start_time2",
        ),
        ({"weekDay": "2", "startTime1": "3600", "endTime1": ""}, "startTime1"),
        (
            {"weekDay": "2", "startTime": "0", "endTime": "60", "startTime1": "0"},
            "startTime1",
        ),
    ],
    ids=["other_spelling", "half_pair", "both_spellings"],
)
async def test_record_schedule_that_cannot_be_read_is_not_wiped(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    day: dict[str, str],
    unread: str,
) -> None:
    """A day whose times cannot be read is never sent back without them.

    The schedule is sent with "scheduleTimeAction ... `cover`: Replace
    existing schedule": a day sent without its times would lose them.
    """
    days = camera.state.record_policy.loops["weekDay"]
    days[2] = day
    before = [dict(day) for day in days]
    current = await client.record_policy()

    err = await expect_error(
        ExcelSenseResponseError, client.set_record_policy(current, enabled=True)
    )
    assert unread in str(err)
    assert _sets(camera, "recordPolicy") == []
    assert camera.state.record_policy.loops["weekDay"] == before

    # A new schedule given by the caller is sent as usual.
    await client.set_record_policy(current, schedule=current.schedule[:2])
    assert len(camera.state.record_policy.loops["weekDay"]) == 2
