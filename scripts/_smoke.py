"""Smoke test of the integration in a real Home Assistant, over its HTTP API.

Run by ``scripts/smoke`` through ``scripts/develop --run``, which starts the
camera emulator and Home Assistant and passes their URLs in the environment
(HASS_URL, HASS_PID, HASS_CONFIG, EMULATOR_URL, CAMERA_PASSWORD, EMULATOR_LOG,
RTSP).
Each check prints one line; the first failure prints the logs' tails and
exits 1.  The whole run is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
import io
import os
from pathlib import Path
import sys
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlsplit

import aiohttp
from PIL import Image, ImageChops, ImageStat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hass_common import (
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    Env,
    HassClient,
    process_alive,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

# Together under the five minutes scripts/smoke promises (cold start takes ~10 s,
# the checks ~30 s).
STARTUP_LIMIT: Final = 120.0
CHECKS_LIMIT: Final = 160.0
HTTP_OK: Final = 200
# Mean absolute difference per channel (0..255) below which two stills of the
# emulator count as the same picture (only the clock text may differ).
SIMILAR: Final = 6.0
LOG_TAIL: Final = 80


class SmokeError(Exception):
    """A check failed."""


# Checks so far by outcome, for the closing "N passed, N failed" line.
TALLY: Final = {"passed": 0, "failed": 0, "skipped": 0}
SKIPPED: Final = "skipped: "


@contextlib.asynccontextmanager
async def check(name: str) -> AsyncIterator[list[str]]:
    """Time one check and print its line; the yielded list collects details.

    A check that appends a note starting with ``SKIPPED`` and returns counts
    as skipped.
    """
    start = time.monotonic()
    notes: list[str] = []
    try:
        yield notes
    except Exception:
        TALLY["failed"] += 1
        print(f"FAIL {name} ({time.monotonic() - start:.1f} s)", flush=True)
        raise
    outcome = "skipped" if notes and notes[0].startswith(SKIPPED) else "passed"
    TALLY[outcome] += 1
    detail = f": {'; '.join(notes)}" if notes else ""
    label = "ok  " if outcome == "passed" else "skip"
    print(f"{label} {name} ({time.monotonic() - start:.1f} s){detail}", flush=True)


def expect(condition: object, message: str) -> None:
    """Fail the current check with ``message`` unless ``condition``."""
    if not condition:
        raise SmokeError(message)


class Smoke:
    """The checks, in order; each builds on the ones before."""

    def __init__(self, env: Env, session: aiohttp.ClientSession) -> None:
        """Bind to the running Home Assistant and emulator."""
        self.env = env
        self.session = session
        self.hass = HassClient(session, env.hass_url)
        self.entry_id = ""
        self.entities: dict[str, dict[str, Any]] = {}

    # ----------------------------------------------------------------- helpers

    async def emulator_state(self) -> dict[str, Any]:
        """The emulator's read-only debug view."""
        async with self.session.get(f"{self.env.emulator_url}/emulator/state") as r:
            r.raise_for_status()
            state: dict[str, Any] = await r.json()
            return state

    async def emulator_cgi(self, cgi: str, params: list[tuple[str, str]]) -> bytes:
        """Call the emulated camera's CGI API directly, as another tool would."""
        query = [("userName", "admin"), ("password", self.env.camera_password)]
        async with self.session.get(
            f"{self.env.emulator_url}/cgi-bin/{cgi}", params=[*params, *query]
        ) as response:
            response.raise_for_status()
            return await response.read()

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every state, by entity id."""
        return {
            s["entity_id"]: s for s in await self.hass.request("GET", "/api/states")
        }

    def entity_id(self, key: str) -> str:
        """The entity id of the camera's entity with description key ``key``."""
        expect(key in self.entities, f"no entity with key {key!r}")
        return str(self.entities[key]["entity_id"])

    async def press(self, key: str) -> None:
        """Press a button through the service API (returns when it is done)."""
        await self.hass.request(
            "POST",
            "/api/services/button/press",
            json_body={"entity_id": self.entity_id(key)},
        )

    async def wait_state(
        self,
        entity_id: str,
        accept: Callable[[dict[str, Any]], bool],
        within: float = 15.0,
    ) -> dict[str, Any]:
        """Poll until ``accept(state)`` holds; the state."""
        deadline = time.monotonic() + within
        while True:
            state = (await self.states()).get(entity_id)
            if state is not None and accept(state):
                return state
            if time.monotonic() > deadline:
                msg = f"{entity_id} never reached the expected state (last: {state})"
                raise SmokeError(msg)
            await asyncio.sleep(0.5)

    # ----------------------------------------------------------------- checks

    async def start(self) -> None:
        """Home Assistant answers."""
        async with check("Home Assistant answers") as notes:
            alive = process_alive(self.env.hass_pid) if self.env.hass_pid else None
            took = await self.hass.wait_until_up(STARTUP_LIMIT, alive)
            notes.append(f"after {took:.0f} s")

    async def onboard(self) -> None:
        """Onboarding through the onboarding API."""
        async with check("onboarding (user, analytics, integration steps)"):
            await self.hass.onboard(
                name=DEMO_NAME, username=DEMO_USERNAME, password=DEMO_PASSWORD
            )
            done = await self.hass.onboarding_done()
            expect(
                done >= {"user", "core_config", "analytics", "integration"},
                f"onboarding not finished: {done}",
            )

    async def add_camera(self) -> None:
        """The config flow adds the emulated camera and the entry loads."""
        async with check("config flow adds the camera") as notes:
            port = urlsplit(self.env.emulator_url).port or 80
            entry = await self.hass.add_camera(
                host="127.0.0.1",
                port=port,
                username="admin",
                password=self.env.camera_password,
            )
            self.entry_id = entry["entry_id"]
            entry = await self.hass.wait_for_entry(self.entry_id, 60)
            notes.append(f"entry {entry['title']!r} {entry['state']}")

    async def wait_entities(self) -> None:
        """Every enabled entity gets a state that is not unavailable."""
        async with check("entities have states") as notes:
            self.entities = await self.hass.entities(self.entry_id)
            enabled = [
                item["entity_id"]
                for item in self.entities.values()
                if not item["disabled_by"]
            ]
            for key in ("camera", "self_clean", "sync_time", "disk_status_1"):
                self.entity_id(key)
            deadline = time.monotonic() + 60
            while True:
                states = await self.states()
                missing = [e for e in enabled if e not in states]
                down = [
                    e
                    for e in enabled
                    if e in states and states[e]["state"] == "unavailable"
                ]
                if not missing and not down:
                    break
                if time.monotonic() > deadline:
                    msg = f"no state: {missing}; unavailable: {down}"
                    raise SmokeError(msg)
                await asyncio.sleep(1)
            disk = states[self.entity_id("disk_status_1")]["state"]
            expect(disk == "normal", f"disk 1 status sensor says {disk!r}")
            notes.append(
                f"{len(enabled)} enabled of {len(self.entities)}, disk 1 {disk}"
            )

    async def snapshot(self) -> None:
        """The camera proxy serves the emulator's still."""
        async with check("still image through /api/camera_proxy") as notes:
            camera = self.entity_id("camera")
            direct = [await self.emulator_cgi("image.cgi", [("quality", "9")])]
            async with self.session.get(
                f"{self.env.hass_url}/api/camera_proxy/{camera}",
                headers={"Authorization": f"Bearer {self.hass.token}"},
            ) as response:
                expect(response.status == HTTP_OK, f"HTTP {response.status}")
                expect(
                    response.content_type == "image/jpeg",
                    f"content type {response.content_type}",
                )
                proxied = await response.read()
            direct.append(await self.emulator_cgi("image.cgi", [("quality", "9")]))
            expect(proxied[:2] == b"\xff\xd8", "the proxy's reply is no JPEG")
            expect(direct[0][:2] == b"\xff\xd8", "image.cgi's reply is no JPEG")
            got = Image.open(io.BytesIO(proxied)).convert("RGB")
            want = Image.open(io.BytesIO(direct[0])).convert("RGB")
            expect(got.size == want.size, f"size {got.size}, emulator {want.size}")
            if proxied in direct:
                notes.append(f"{got.size[0]}x{got.size[1]}, byte-identical")
                return
            diff = ImageStat.Stat(ImageChops.difference(got, want)).mean
            expect(max(diff) < SIMILAR, f"pictures differ (mean difference {diff})")
            notes.append(
                f"{got.size[0]}x{got.size[1]}, mean difference {max(diff):.1f}"
            )

    async def mjpeg(self) -> None:
        """The MJPEG proxy streams JPEG frames."""
        async with check("MJPEG live stream through /api/camera_proxy_stream") as notes:
            camera = self.entity_id("camera")
            async with self.session.get(
                f"{self.env.hass_url}/api/camera_proxy_stream/{camera}",
                headers={"Authorization": f"Bearer {self.hass.token}"},
                timeout=aiohttp.ClientTimeout(total=20),
            ) as response:
                expect(response.status == HTTP_OK, f"HTTP {response.status}")
                expect(
                    response.content_type.startswith("multipart/"),
                    f"content type {response.content_type}",
                )
                data = b""
                while data.count(b"\xff\xd9") < 2:  # noqa: PLR2004 - two frames
                    chunk = await response.content.read(65536)
                    expect(chunk, "stream ended before two frames")
                    data += chunk
            notes.append(f"two frames in the first {len(data)} bytes")

    async def self_clean(self) -> None:
        """Self-clean sends the 300 ms pulse and leaves the self-clean profile."""
        async with check("button self_clean: pulse at the camera") as notes:
            before = len((await self.emulator_state())["pulses"])
            await self.press("self_clean")
            state = await self.emulator_state()
            pulses = state["pulses"][before:]
            expect(len(pulses) == 1, f"{len(pulses)} pulses: {pulses}")
            pulse = pulses[0]
            expect(
                pulse["time_ms"] == 300 and pulse["completed"],  # noqa: PLR2004
                f"pulse {pulse}",
            )
            expect(pulse["effect"] == "self_clean", f"pulse {pulse}")
            expect(state["self_clean_profile"], f"alarm out {state['alarm_out']}")
            notes.append(f"300 ms pulse, wiper running: {state['cleaning']}")

    async def led_toggle(self) -> None:
        """An LED toggle uses 900 ms and restores the self-clean profile."""
        key = "led_normally_disabled_toggle"
        async with check(f"button {key}: profile restored") as notes:
            before_state = await self.emulator_state()
            before = len(before_state["pulses"])
            await self.press(key)
            state = await self.emulator_state()
            pulses = state["pulses"][before:]
            expect(len(pulses) == 1, f"{len(pulses)} pulses: {pulses}")
            expect(
                pulses[0]["time_ms"] == 900 and pulses[0]["completed"],  # noqa: PLR2004
                f"pulse {pulses[0]}",
            )
            expect(
                state["led_normally_disabled"] != before_state["led_normally_disabled"],
                "LED mode did not toggle",
            )
            expect(state["self_clean_profile"], f"alarm out {state['alarm_out']}")
            notes.append("900 ms pulse, back to the self-clean profile")

    async def sync_clock(self) -> None:
        """Sync clock sets the camera's clock."""
        async with check("button sync_time sets the camera clock") as notes:
            await self.emulator_cgi(
                "param.cgi",
                [("action", "set"), ("type", "dateTime"), ("year", "2020")]
                + [(k, "1") for k in ("month", "day")]
                + [(k, "0") for k in ("hour", "minute", "second")],
            )
            skewed = datetime.fromisoformat(
                (await self.emulator_state())["device_time"]
            )
            expect(skewed.year == 2020, f"could not skew the clock: {skewed}")  # noqa: PLR2004
            await self.press("sync_time")
            synced = datetime.fromisoformat(
                (await self.emulator_state())["device_time"]
            )
            off = abs((synced - datetime.now()).total_seconds())  # noqa: DTZ005
            expect(off < 5, f"device clock {synced} is {off:.0f} s off")  # noqa: PLR2004
            notes.append(f"2020-01-01 -> {synced:%H:%M:%S} ({off:.1f} s off)")

    async def change_setting(self) -> None:
        """A number entity reads the camera's brightness and changes it."""
        key = "brightness"
        async with check("number brightness: read and change") as notes:
            if key not in self.entities:
                notes.append(f"{SKIPPED}no brightness entity")
                return
            entity = self.entity_id(key)
            device = float(
                (await self.emulator_state())["image_settings"][key]["value"]
            )
            state = await self.wait_state(entity, lambda s: s["state"] != "unknown")
            expect(
                float(state["state"]) == device,
                f"HA says {state['state']}, camera {device}",
            )
            wanted = 73.0 if device != 73 else 37.0  # noqa: PLR2004
            await self.hass.request(
                "POST",
                "/api/services/number/set_value",
                json_body={"entity_id": entity, "value": wanted},
            )
            now = float((await self.emulator_state())["image_settings"][key]["value"])
            expect(now == wanted, f"camera brightness {now}, wanted {wanted}")
            await self.wait_state(entity, lambda s: float(s["state"]) == wanted)
            notes.append(f"{device:g} -> {wanted:g} at the camera and in HA")

    async def hls(self) -> None:
        """The RTSP stream plays as HLS through the stream integration."""
        async with check("HLS live view from the camera's RTSP stream") as notes:
            if not self.env.rtsp:
                notes.append(f"{SKIPPED}no ffmpeg, so no RTSP stream")
                return
            reply = await self.hass.ws(
                {"type": "camera/stream", "entity_id": self.entity_id("camera")}
            )
            master = f"{self.env.hass_url}{reply['url']}"
            deadline = time.monotonic() + 60
            while True:
                async with self.session.get(master) as response:
                    body = await response.text()
                    if response.status == HTTP_OK:
                        break
                if time.monotonic() > deadline:
                    msg = f"master playlist still HTTP {response.status}"
                    raise SmokeError(msg)
                await asyncio.sleep(1)
            expect(body.startswith("#EXTM3U"), f"master playlist: {body[:200]!r}")
            playlist = master.rsplit("/", 1)[0] + "/playlist.m3u8"
            async with self.session.get(playlist) as response:
                media = await response.text()
                expect(response.status == HTTP_OK, f"playlist HTTP {response.status}")
            expect(media.startswith("#EXTM3U"), f"playlist: {media[:200]!r}")
            expect("#EXTINF" in media, f"no segment in the playlist: {media[:300]!r}")
            rtsp = (await self.emulator_state())["rtsp"]
            expect(
                rtsp and rtsp["players"] >= 1, f"no RTSP player at the camera: {rtsp}"
            )
            notes.append(
                f"{media.count('#EXTINF')} segment(s), {rtsp['players']} RTSP player(s)"
            )

    async def log(self) -> None:
        """No integration error and no camera password in Home Assistant's log."""
        async with check("home-assistant.log: no errors, no password") as notes:
            text = (self.env.config / "home-assistant.log").read_text(
                encoding="utf-8", errors="replace"
            )
            errors = [
                line
                for line in text.splitlines()
                if " ERROR " in line and "custom_components.excelsense" in line
            ]
            expect(not errors, "integration errors:\n" + "\n".join(errors[:10]))
            password = self.env.camera_password
            for form in {password, quote(password, safe=""), quote(password)}:
                expect(form not in text, f"the camera password appears as {form!r}")
            others = sum(1 for line in text.splitlines() if " ERROR " in line)
            notes.append(f"{len(text.splitlines())} lines, {others} other ERROR lines")

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
            await self.hls()
            await self.log()


def tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a file (or why there are none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        return f"({err})"
    return "\n".join(text.splitlines()[-lines:])


def tally() -> str:
    """The closing line CI reads: ``smoke: N passed, N failed[, N skipped]``."""
    line = f"smoke: {TALLY['passed']} passed, {TALLY['failed']} failed"
    return line + (f", {TALLY['skipped']} skipped" if TALLY["skipped"] else "")


async def main() -> int:
    """Run the smoke test; 0 when every check passed."""
    env = Env.from_environ()
    start = time.monotonic()
    status = 0
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        try:
            await Smoke(env, session).run()
        except Exception as err:  # noqa: BLE001 - any failure ends the same way
            # A timeout cancels the running check without counting it.
            TALLY["failed"] = max(TALLY["failed"], 1)
            print(f"\nsmoke: FAILED: {type(err).__name__}: {err}", flush=True)
            print(f"\n--- last {LOG_TAIL} lines of {env.config}/home-assistant.log")
            print(tail(env.config / "home-assistant.log", LOG_TAIL))
            print(f"--- last 20 lines of {env.emulator_log}")
            print(tail(env.emulator_log, 20))
            status = 1
    print(f"smoke: checks took {time.monotonic() - start:.0f} s")
    return status


if __name__ == "__main__":
    STATUS = asyncio.run(main())
    print(tally())
    if RESULT := os.environ.get("SMOKE_RESULT"):
        Path(RESULT).write_text(tally() + "\n", encoding="utf-8")
    sys.exit(STATUS)
