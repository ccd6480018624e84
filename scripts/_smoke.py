"""Smoke test of the integration in a real Home Assistant, over its HTTP API.

Run by ``scripts/smoke`` through ``scripts/develop --run``, which starts the
camera emulator and Home Assistant and passes their URLs in the environment
(see ``Env``). The checks run in order, each builds on the ones before; the
harness (``_harness``) prints one line per check, and on the first failure
the logs' tails. The whole run is bounded in time.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
import io
from pathlib import Path
import sys
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import aiohttp
from PIL import Image, ImageChops, ImageStat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import CheckError, Harness, arguments, expect_that, log_findings, poll
from _hass_common import (
    CAMERA_HOST,
    CAMERA_USERNAME,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    EmulatorClient,
    Env,
    HassClient,
    camera_form,
    process_alive,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# Together under the five minutes scripts/smoke promises (cold start takes ~10 s,
# the checks ~25 s).
STARTUP_LIMIT: Final = 120.0
CHECKS_LIMIT: Final = 160.0
HTTP_OK: Final = 200
# Mean absolute difference per channel (0..255) below which two stills of the
# emulator count as the same picture (only the clock text may differ).
SIMILAR: Final = 6.0
# Entities a ToughEye-1700 must have, by description key (each enabled one must
# also get a state).
EXPECTED_KEYS: Final = (
    "camera",
    "self_clean",
    "sync_time",
    "disk_status_1",
    "motion",
    "alarm",
    "motion_source",
    "last_motion",
    "motion_detection",
    "record_on_motion",
    "lens_clarity",
    "lens_obscured_area",
    "auto_self_clean_obscured_threshold",
)
# Motion over ONVIF events shows the moment the camera answers the held pull;
# the integration pulls again at most a second after an answer. The rest is
# the state reaching the REST API (read every 0.25 s) on a busy machine.
ONVIF_WITHIN: Final = 5.0
# The check ends the motion; this bounds it if the check fails first.
MOTION_LONGEST: Final = 60.0


def _kind(request: dict[str, Any]) -> str:
    """What a request in the emulator's log asked: ONVIF operation, CGI type."""
    params = dict(request["params"])
    return str(params.get("operation") or params.get("type") or request["path"])


class Smoke:
    """The checks, in order; each builds on the ones before."""

    def __init__(
        self, harness: Harness, env: Env, session: aiohttp.ClientSession
    ) -> None:
        """Bind to the running Home Assistant and emulator."""
        self.check = harness.check
        self.env = env
        self.session = session
        self.hass = HassClient(session, env.hass_url)
        self.emulator = EmulatorClient(session, env.emulator_url, env.camera_password)
        self.entry_id = ""
        self.entities: dict[str, dict[str, Any]] = {}

    # ----------------------------------------------------------------- helpers

    def entity_id(self, key: str) -> str:
        """The entity id of the camera's entity with description key ``key``."""
        expect_that(key in self.entities, f"no entity with key {key!r}")
        return str(self.entities[key]["entity_id"])

    async def press(self, key: str) -> None:
        """Press a button through the service API (returns when it is done)."""
        await self.hass.call("button", "press", entity_id=self.entity_id(key))

    async def wait_state(
        self,
        entity_id: str,
        accept: Callable[[dict[str, Any]], bool],
        within: float = 15.0,
    ) -> dict[str, Any]:
        """Poll until ``accept(state)`` holds; the state."""
        last: list[dict[str, Any] | None] = [None]

        async def probe() -> dict[str, Any] | None:
            state = last[0] = (await self.hass.states()).get(entity_id)
            return state if state is not None and accept(state) else None

        try:
            return await poll(probe, within, f"the expected state of {entity_id}")
        except CheckError as err:
            msg = f"{err} (last: {last[0]})"
            raise CheckError(msg) from err

    async def pulses_after(self, key: str) -> tuple[list[Any], dict[str, Any]]:
        """Press ``key``; the pulses it sent and the emulator's state after."""
        before = len((await self.emulator.state())["pulses"])
        await self.press(key)
        state = await self.emulator.state()
        return state["pulses"][before:], state

    # ----------------------------------------------------------------- checks

    async def start(self) -> None:
        """Home Assistant answers."""
        async with self.check("Home Assistant answers") as notes:
            alive = process_alive(self.env.hass_pid) if self.env.hass_pid else None
            took = await self.hass.wait_until_up(STARTUP_LIMIT, alive)
            notes.add(f"after {took:.0f} s")

    async def onboard(self) -> None:
        """Onboarding through the onboarding API."""
        async with self.check("onboarding (user, analytics, integration steps)"):
            await self.hass.onboard(
                name=DEMO_NAME, username=DEMO_USERNAME, password=DEMO_PASSWORD
            )
            done = await self.hass.onboarding_done()
            expect_that(
                done >= {"user", "core_config", "analytics", "integration"},
                f"onboarding not finished: {done}",
            )

    async def add_camera(self) -> None:
        """The config flow refuses a URL and no username, then adds the camera."""
        async with self.check("config flow adds the camera") as notes:
            port = urlsplit(self.env.emulator_url).port or 80
            form = camera_form(
                host=CAMERA_HOST,
                port=port,
                username=CAMERA_USERNAME,
                password=self.env.camera_password,
            )
            flow_id = await self.hass.start_camera_flow()
            refused = (
                ("host", f"http://{CAMERA_HOST}:{port}/", "invalid_host"),
                ("username", " ", "username_required"),
            )
            for field, value, error in refused:
                result = await self.hass.submit(flow_id, {**form, field: value})
                expect_that(
                    result.get("type") == "form"
                    and result.get("errors") == {field: error},
                    f"{field} {value!r}: {result.get('type')} {result.get('errors')}",
                )
            notes.add("URL as host and blank username refused")
            result = await self.hass.submit(flow_id, form)
            expect_that(
                result.get("type") == "create_entry",
                f"{result.get('type')} {result.get('errors') or result.get('reason')}",
            )
            self.entry_id = result["result"]["entry_id"]
            entry = await self.hass.wait_for_entry(self.entry_id, 60)
            notes.add(f"entry {entry['title']!r} {entry['state']}")

    async def wait_entities(self) -> None:
        """Every enabled entity gets a state that is not unavailable."""
        async with self.check("entities have states") as notes:
            self.entities = await self.hass.entities(self.entry_id)
            enabled = [
                item["entity_id"]
                for item in self.entities.values()
                if not item["disabled_by"]
            ]
            for key in EXPECTED_KEYS:
                self.entity_id(key)
            deadline = time.monotonic() + 60
            while True:
                states = await self.hass.states()
                missing = [e for e in enabled if e not in states]
                down = [
                    e
                    for e in enabled
                    if e in states and states[e]["state"] == "unavailable"
                ]
                if not missing and not down:
                    break
                expect_that(
                    time.monotonic() < deadline,
                    f"no state: {missing}; unavailable: {down}",
                )
                await asyncio.sleep(1)
            disk = states[self.entity_id("disk_status_1")]["state"]
            expect_that(disk == "normal", f"disk 1 status sensor says {disk!r}")
            notes.add(f"{len(enabled)} enabled of {len(self.entities)}, disk 1 {disk}")

    async def snapshot(self) -> None:
        """The camera proxy serves the emulator's still."""
        async with self.check("still image through /api/camera_proxy") as notes:
            camera = self.entity_id("camera")
            direct = [await self.emulator.still()]
            async with self.session.get(
                f"{self.env.hass_url}/api/camera_proxy/{camera}",
                headers={"Authorization": f"Bearer {self.hass.token}"},
            ) as response:
                expect_that(response.status == HTTP_OK, f"HTTP {response.status}")
                expect_that(
                    response.content_type == "image/jpeg",
                    f"content type {response.content_type}",
                )
                proxied = await response.read()
            direct.append(await self.emulator.still())
            expect_that(proxied[:2] == b"\xff\xd8", "the proxy's reply is no JPEG")
            expect_that(direct[0][:2] == b"\xff\xd8", "image.cgi's reply is no JPEG")
            got = Image.open(io.BytesIO(proxied)).convert("RGB")
            want = Image.open(io.BytesIO(direct[0])).convert("RGB")
            expect_that(got.size == want.size, f"size {got.size}, emulator {want.size}")
            if proxied in direct:
                notes.add(f"{got.size[0]}x{got.size[1]}, byte-identical")
                return
            diff = ImageStat.Stat(ImageChops.difference(got, want)).mean
            expect_that(
                max(diff) < SIMILAR, f"pictures differ (mean difference {diff})"
            )
            notes.add(f"{got.size[0]}x{got.size[1]}, mean difference {max(diff):.1f}")

    async def mjpeg(self) -> None:
        """The MJPEG proxy streams JPEG frames."""
        title = "MJPEG live stream through /api/camera_proxy_stream"
        async with self.check(title) as notes:
            camera = self.entity_id("camera")
            async with self.session.get(
                f"{self.env.hass_url}/api/camera_proxy_stream/{camera}",
                headers={"Authorization": f"Bearer {self.hass.token}"},
                timeout=aiohttp.ClientTimeout(total=20),
            ) as response:
                expect_that(response.status == HTTP_OK, f"HTTP {response.status}")
                expect_that(
                    response.content_type.startswith("multipart/"),
                    f"content type {response.content_type}",
                )
                data = b""
                while data.count(b"\xff\xd9") < 2:  # noqa: PLR2004 - two frames
                    chunk = await response.content.read(65536)
                    expect_that(chunk, "stream ended before two frames")
                    data += chunk
            notes.add(f"two frames in the first {len(data)} bytes")

    async def self_clean(self) -> None:
        """Self-clean sends the 300 ms pulse and leaves the self-clean profile."""
        async with self.check("button self_clean: pulse at the camera") as notes:
            pulses, state = await self.pulses_after("self_clean")
            expect_that(len(pulses) == 1, f"{len(pulses)} pulses: {pulses}")
            pulse = pulses[0]
            expect_that(
                pulse["time_ms"] == 300 and pulse["completed"],  # noqa: PLR2004
                f"pulse {pulse}",
            )
            expect_that(pulse["effect"] == "self_clean", f"pulse {pulse}")
            expect_that(state["self_clean_profile"], f"alarm out {state['alarm_out']}")
            notes.add(f"300 ms pulse, wiper running: {state['cleaning']}")

    async def led_toggle(self) -> None:
        """An LED toggle uses 900 ms and restores the self-clean profile."""
        key = "led_normally_disabled_toggle"
        async with self.check(f"button {key}: profile restored") as notes:
            led_before = (await self.emulator.state())["led_normally_disabled"]
            pulses, state = await self.pulses_after(key)
            expect_that(len(pulses) == 1, f"{len(pulses)} pulses: {pulses}")
            expect_that(
                pulses[0]["time_ms"] == 900 and pulses[0]["completed"],  # noqa: PLR2004
                f"pulse {pulses[0]}",
            )
            expect_that(
                state["led_normally_disabled"] != led_before, "LED mode did not toggle"
            )
            expect_that(state["self_clean_profile"], f"alarm out {state['alarm_out']}")
            notes.add("900 ms pulse, back to the self-clean profile")

    async def sync_clock(self) -> None:
        """Sync clock sets the camera's clock."""
        async with self.check("button sync_time sets the camera clock") as notes:
            await self.emulator.cgi(
                "param.cgi",
                [("action", "set"), ("type", "dateTime"), ("year", "2020")]
                + [(k, "1") for k in ("month", "day")]
                + [(k, "0") for k in ("hour", "minute", "second")],
            )
            skewed = datetime.fromisoformat(
                (await self.emulator.state())["device_time"]
            )
            expect_that(skewed.year == 2020, f"could not skew the clock: {skewed}")  # noqa: PLR2004
            await self.press("sync_time")
            synced = datetime.fromisoformat(
                (await self.emulator.state())["device_time"]
            )
            off = abs((synced - datetime.now()).total_seconds())  # noqa: DTZ005
            expect_that(off < 5, f"device clock {synced} is {off:.0f} s off")  # noqa: PLR2004
            notes.add(f"2020-01-01 -> {synced:%H:%M:%S} ({off:.1f} s off)")

    async def change_setting(self) -> None:
        """A number entity reads the camera's brightness and changes it."""
        key = "brightness"
        async with self.check("number brightness: read and change") as notes:
            if key not in self.entities:
                notes.skip("no brightness entity")
                return
            entity = self.entity_id(key)

            async def device_value() -> float:
                settings = (await self.emulator.state())["image_settings"]
                return float(settings[key]["value"])

            device = await device_value()
            state = await self.wait_state(entity, lambda s: s["state"] != "unknown")
            expect_that(
                float(state["state"]) == device,
                f"HA says {state['state']}, camera {device}",
            )
            wanted = 73.0 if device != 73 else 37.0  # noqa: PLR2004
            await self.hass.call("number", "set_value", entity_id=entity, value=wanted)
            now = await device_value()
            expect_that(now == wanted, f"camera brightness {now}, wanted {wanted}")
            await self.wait_state(entity, lambda s: float(s["state"]) == wanted)
            notes.add(f"{device:g} -> {wanted:g} at the camera and in HA")

    async def motion(self) -> None:
        """Motion at the camera arrives over ONVIF events, with its picture.

        The emulated camera serves ONVIF events (as the demo's does), so the
        motion source sensor says ``onvif``. Motion detection is off on a new
        camera: the emulator raises no alarm then. Turned on through Home
        Assistant, motion made at the emulator (its HTTP control, what
        ``python -m tests.emulator motion`` sends) answers the integration's
        held pull: the binary sensor goes on, the alarm event fires with the
        type ``motion`` from ONVIF, the picture of the moment shows the
        camera's still, and the sensor goes off when the motion ends, all
        with pulls at the camera and no alarm-log read.
        """
        title = "motion over ONVIF events: sensor on, alarm event, picture, off"
        async with self.check(title) as notes:
            sensor = self.entity_id("motion")
            alarm = self.entity_id("alarm")
            switch = self.entity_id("motion_detection")
            source = self.entity_id("motion_source")
            picture = self.entity_id("last_motion")
            await self.wait_state(source, lambda s: s["state"] == "onvif")
            states = await self.hass.states()
            expect_that(states[switch]["state"] == "off", f"{switch}: {states[switch]}")
            expect_that(states[sensor]["state"] == "off", f"{sensor}: {states[sensor]}")
            expect_that(
                not await self.emulator.motion(1),
                "the camera raised an alarm with motion detection off",
            )
            await self.hass.call("switch", "turn_on", entity_id=switch)
            await self.wait_state(switch, lambda s: s["state"] == "on")
            fired_before = states[alarm]["state"]
            pictured_before = states[picture]["state"]
            since = (await self.emulator.state())["requests"]
            raised = await self.emulator.motion(MOTION_LONGEST)
            start = time.monotonic()
            try:
                expect_that(raised, "no alarm with motion detection on")
                await self.wait_state(
                    sensor, lambda s: s["state"] == "on", ONVIF_WITHIN
                )
                notes.add(f"on after {time.monotonic() - start:.1f} s")
                event = await self.wait_state(
                    alarm,
                    lambda s: (
                        s["state"] != fired_before
                        and s["attributes"].get("event_type") == "motion"
                    ),
                )
                attributes = event["attributes"]
                expect_that(
                    attributes.get("via") == "onvif",
                    f"the alarm event did not come over ONVIF: {attributes}",
                )
                notes.add(f"alarm event 'motion' ({attributes.get('topic')})")
                shown = await self.wait_state(
                    picture, lambda s: s["state"] != pictured_before
                )
                jpeg = await self.hass_get(shown["attributes"]["entity_picture"])
                expect_that(
                    jpeg[:2] == b"\xff\xd8", "the picture of the moment is no JPEG"
                )
                notes.add(f"picture of the moment, {len(jpeg)} bytes")
            finally:
                await self.emulator.end_motion()
            ended = time.monotonic()
            await self.wait_state(sensor, lambda s: s["state"] == "off", ONVIF_WITHIN)
            notes.add(f"off {time.monotonic() - ended:.1f} s after the motion ended")
            asked = [_kind(item) for item in await self.emulator.requests(since)]
            expect_that("PullMessages" in asked, f"no pull at the camera: {asked}")
            expect_that(
                "alarmLogInfo" not in asked,
                f"the alarm log was read while ONVIF events arrived: {asked}",
            )
            pulls = asked.count("PullMessages")
            notes.add(f"pulls at the camera: {pulls}, no alarm-log read")

    async def hass_get(self, path: str) -> bytes:
        """GET a path of Home Assistant's API with the user's token; the body."""
        async with self.session.get(
            f"{self.env.hass_url}{path}",
            headers={"Authorization": f"Bearer {self.hass.token}"},
        ) as response:
            expect_that(response.status == HTTP_OK, f"{path}: HTTP {response.status}")
            return await response.read()

    async def hls(self) -> None:
        """The RTSP stream plays as HLS through the stream integration."""
        async with self.check("HLS live view from the camera's RTSP stream") as notes:
            if not self.env.rtsp:
                notes.skip("no ffmpeg, so no RTSP stream")
                return
            reply = await self.hass.ws(
                {"type": "camera/stream", "entity_id": self.entity_id("camera")}
            )
            master = f"{self.env.hass_url}{reply['url']}"

            async def master_playlist() -> str | None:
                async with self.session.get(master) as response:
                    body = await response.text()
                    return body if response.status == HTTP_OK else None

            body = await poll(master_playlist, 60, "the master playlist", every=1)
            expect_that(body.startswith("#EXTM3U"), f"master playlist: {body[:200]!r}")
            playlist = master.rsplit("/", 1)[0] + "/playlist.m3u8"
            async with self.session.get(playlist) as response:
                media = await response.text()
                expect_that(
                    response.status == HTTP_OK, f"playlist HTTP {response.status}"
                )
            expect_that(media.startswith("#EXTM3U"), f"playlist: {media[:200]!r}")
            expect_that(
                "#EXTINF" in media, f"no segment in the playlist: {media[:300]!r}"
            )
            rtsp = (await self.emulator.state())["rtsp"]
            expect_that(
                rtsp and rtsp["players"] >= 1, f"no RTSP player at the camera: {rtsp}"
            )
            notes.add(
                f"{media.count('#EXTINF')} segment(s), {rtsp['players']} RTSP player(s)"
            )

    async def log(self) -> None:
        """No integration error and no camera password in Home Assistant's logs."""
        async with self.check("home-assistant.log: no errors, no password") as notes:
            log_findings(self.env, notes)

    async def run(self) -> None:
        """Every check in order."""
        await self.start()
        async with asyncio.timeout(CHECKS_LIMIT):
            await self.onboard()
            await self.add_camera()
            await self.wait_entities()
            await self.snapshot()
            await self.mjpeg()
            await self.self_clean()
            await self.led_toggle()
            await self.sync_clock()
            await self.change_setting()
            await self.motion()
            await self.hls()
            await self.log()


def main() -> int:
    """Run the smoke test; 0 when every check passed."""
    args = arguments("scripts/_smoke.py", "Smoke test over the HTTP API.").parse_args()
    env = Env.from_environ()
    harness = Harness("smoke")

    async def body() -> None:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=60)
        ) as session:
            await Smoke(harness, env, session).run()

    return harness.run(env, body, args.results)


if __name__ == "__main__":
    sys.exit(main())
