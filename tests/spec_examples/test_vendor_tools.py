"""The emulator accepts the request shapes of the vendor's public scripts.

The scripts (xlsense/SoftwareTools, see ``vendor_tools.json``) are what people
run against these cameras; a device that refuses their requests is not the
device they were written for.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from yarl import URL

from custom_components.excelsense.api import kv
from tests.spec_examples import VendorRequest, VendorTool, load_vendor_tools

from .conftest import PASSWORD, USERNAME

if TYPE_CHECKING:
    import aiohttp

    from tests.emulator import EmulatedCamera, ManualClock

TOOLS = {tool.id: tool for tool in load_vendor_tools().tools}
SHAPES = [
    pytest.param(tool, request, id=f"{tool.id}[{request.variant}]")
    for tool in TOOLS.values()
    for request in tool.requests
]
TRUE_WORDS = {"true", "1"}
FALSE_WORDS = {"false", "0"}


async def run(
    session: aiohttp.ClientSession,
    cam: EmulatedCamera,
    tool: VendorTool,
    request: VendorRequest,
) -> tuple[int, str]:
    """Send one request the way the script does: method, query, body."""
    url = URL(f"{cam.url}/cgi-bin/{tool.cgi}").with_query(
        request.query(tool.auth, USERNAME, PASSWORD)
    )
    headers = {"Content-Type": tool.content_type} if tool.content_type else None
    body = tool.body.encode() if tool.body is not None else None
    async with session.request(
        tool.method, url, data=body, headers=headers
    ) as response:
        return response.status, (await response.read()).decode()


async def get(
    session: aiohttp.ClientSession, cam: EmulatedCamera, kind: str, **params: str
) -> kv.KVBlock:
    """A get of one settings group, parsed."""
    url = URL(f"{cam.url}/cgi-bin/param.cgi").with_query(
        {"userName": USERNAME, "password": PASSWORD, "action": "get", "type": kind}
        | params
    )
    async with session.get(url) as response:
        return kv.parse(await response.read())


@pytest.mark.parametrize(("tool", "request_"), SHAPES)
async def test_vendor_request_is_accepted(
    cam: EmulatedCamera,
    session: aiohttp.ClientSession,
    tool: VendorTool,
    request_: VendorRequest,
) -> None:
    """The script's request answers HTTP 200 and OK (what trigger1700.py checks)."""
    status, text = await run(session, cam, tool, request_)
    assert status == 200
    assert text.strip() == "OK"
    seen = cam.requests[-1]
    assert seen.path == tool.cgi
    assert [key for key, _ in seen.params] == [
        key for key, _ in request_.query(tool.auth, "", "") if key != "password"
    ]


async def test_cycle_cs_post_starts_a_pulse(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """cycle.cs POSTs with the parameters in the URL and an empty form body."""
    tool = TOOLS["cycle_cs"]
    assert tool.method == "POST"
    status, text = await run(session, cam, tool, tool.requests[0])
    assert (status, text.strip()) == (200, "OK")
    assert len(cam.pulses) == 1


@pytest.mark.parametrize("tool_id", ["cycle_py", "cycle_cs", "trigger1700_py"])
async def test_trigger_alone_runs_a_whole_self_clean(
    cam: EmulatedCamera,
    session: aiohttp.ClientSession,
    clock: ManualClock,
    tool_id: str,
) -> None:
    """The vendor's triggers send only controlFlag=1; the pulse ends by itself.

    The document: 'alarmTime int Alarm duration in milliseconds.' (line 1331);
    the self-clean profile is alarmTime=300 (line 1297). The scripts never
    send controlFlag=0, so the device must end the pulse after alarmTime and
    the wiper must run.
    """
    tool = TOOLS[tool_id]
    profile = await get(session, cam, "alarmOut", alarmOutID="1")
    alarm_time = int(profile.values["alarmTime"])
    status, text = await run(session, cam, tool, tool.requests[0])
    assert (status, text.strip()) == (200, "OK")
    clock.advance(alarm_time / 1000 + 0.05)
    await get(session, cam, "alarmOut", alarmOutID="1")  # the device is polled on
    pulse = cam.pulses[-1]
    assert pulse.end is not None
    assert pulse.effect == "self_clean"
    assert cam.cleaning


async def test_trigger1700_repeats_are_each_accepted(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """trigger1700.py sends its request --repeat times, --delay ms apart.

    Each reply must strip to OK, or the script reports 'not accepted'.
    """
    tool = TOOLS["trigger1700_py"]
    assert tool.repeat is not None
    delay = tool.repeat["delay_default_ms"] / 1000
    for _ in range(3):
        status, text = await run(session, cam, tool, tool.requests[0])
        assert (status, text.strip()) == (200, "OK")
        await asyncio.sleep(delay)


async def test_reset_trig_cap_settings_sets_the_trigger_profile(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """After reset_trig_cap_settings.py the alarm output holds its values."""
    tool = TOOLS["reset_trig_cap_settings_py"]
    (request_,) = tool.requests
    await run(session, cam, tool, request_)
    block = await get(session, cam, "alarmOut", alarmOutID="1")
    sent = dict(request_.params)
    assert block.values["alarmOutName"] == sent["alarmOutName"]
    for key in ("alarmMode", "alarmValidSignal", "alarmTime"):
        assert int(block.values[key]) == int(sent[key]), key
    assert float(block.values["alarmOutFrequency"]) == float(sent["alarmOutFrequency"])


@pytest.mark.parametrize(
    ("variant", "timed"),
    [
        pytest.param("--enable", TRUE_WORDS, id="enable"),
        pytest.param("--disable", FALSE_WORDS, id="disable"),
    ],
)
async def test_change_timeout_sets_timed_self_clean(
    cam: EmulatedCamera, session: aiohttp.ClientSession, variant: str, timed: set[str]
) -> None:
    """change_timeout.py writes TimedSelfClean=true|false and the interval.

    A get afterwards reads the same setting (as true/false or 1/0).
    """
    tool = TOOLS["change_timeout_py"]
    (request_,) = [r for r in tool.requests if r.variant == variant]
    status, text = await run(session, cam, tool, request_)
    assert (status, text.strip()) == (200, "OK")
    block = await get(session, cam, "IOAlarm")
    assert block.values["TimedSelfClean"].lower() in timed
    assert block.values["ScheduledSelfClean"].lower() in FALSE_WORDS
    assert block.values["TimeInterval"] == dict(request_.params)["TimeInterval"]
