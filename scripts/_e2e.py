"""End-to-end test of the integration in a real browser (Debian's Chromium).

Run by ``scripts/e2e`` through ``scripts/develop --run``, which starts the
camera emulator and Home Assistant and passes their URLs in the environment
(see ``Env`` in ``_hass_common``).  The owner is onboarded over the API; the
browser then does what a person does: logs in, adds the camera through
Settings → Devices & services (first with a URL as host, then with a wrong
password), opens the device page and the camera, presses Self-clean, which is
checked at the emulator, and turns motion detection on with its switch, after
which motion at the emulator shows on the device page and ends there.  Last,
Home Assistant's logs are checked as in the smoke test.

Every wait is on an element or a state (Playwright's auto-waiting locators,
``expect`` and ``wait_for_function``), never a fixed sleep.  Screenshots of
the config dialog, the device page and the camera go to ``artifacts/e2e/``
(and, with ``--update-docs``, to ``docs/``).  A failure saves full-page
screenshots, a Playwright trace and the logs in ``artifacts/e2e/failure/``
and exits 1.  The harness (``_harness``) prints one line per step, the logs'
tails on a failure, and the closing line ``e2e: N passed, N failed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path
import re
import shutil
import sys
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
from PIL import Image
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    Route,
    ViewportSize,
    WebError,
    async_playwright,
    expect,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import CheckError, Harness, arguments, expect_that, log_findings, poll
from _hass_common import (
    CAMERA_HOST,
    CAMERA_USERNAME,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    ROOT,
    EmulatorClient,
    Env,
    HassClient,
    process_alive,
)

ARTIFACTS: Final = ROOT / "artifacts" / "e2e"
FAILURE: Final = ARTIFACTS / "failure"
DOCS: Final = ROOT / "docs"
# The screenshots the README shows: artifacts/e2e/<name> -> docs/<name>.
SHOTS: Final = ("config-flow.png", "device.png", "camera.png")

# Debian's Chromium: Playwright's own browser download does not work here.
CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: Final = ViewportSize(width=1280, height=800)

# Bounds: Home Assistant's cold start, the whole browser run, and one wait.
STARTUP_LIMIT: Final = 180.0
RUN_LIMIT: Final = 300.0
WAIT_MS: Final = 30_000
# The live view: HLS needs a few segments from the RTSP stream first.
CAMERA_WAIT_MS: Final = 90_000
# The emulator's wiper runs 6 s after a completed self-clean pulse.
PULSE_WAIT: Final = 15.0
PULSE_POLL: Final = 0.05
# Entity names the device page shows (each once).
DEVICE_PAGE_NAMES: Final = (
    "Self-clean",
    "Lens clarity",
    "Lens obscured area",
    "Motion",
    "Motion detection",
    "Sync clock",
    "Disk 1 status",
)
# Motion shows within seconds (pushed over ONVIF, or within two alarm-log
# checks of 5 s); the motion ends when the step ends it, this bounds it if the
# step fails.
MOTION_WAIT_MS: Final = 15_000
MOTION_LONGEST: Final = 60.0
SELF_CLEAN_MS: Final = 300
# The CLEANING band the emulator draws across the middle of the picture.
CLEANING_BLUE: Final = (0, 90, 200)
COLOUR_TOLERANCE: Final = 40
# Screenshot style (it reaches into shadow roots): no video player controls.
NO_MEDIA_CONTROLS: Final = "video::-webkit-media-controls { display: none !important; }"

WRONG_PASSWORD: Final = "not-the-password"  # noqa: S105 - refused on purpose
INVALID_AUTH: Final = "The camera refused the username or password."
INVALID_HOST: Final = "Enter only the camera's IP address or host name"

# Deep (open shadow root) searches the page runs; Playwright's CSS and role
# locators pierce shadow roots, but a DOM property check needs its own walk.
_DEEP = """
const deepAll = (tag, root = document) => {
  const found = [];
  const walk = (node) => {
    for (const el of node.querySelectorAll('*')) {
      if (el.tagName === tag) found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(root);
  return found;
};
"""
# Truthy once the camera's more-info dialog shows a picture: a playing <video>
# (HLS live view) or an <img> from /api/camera_proxy that has loaded.
CAMERA_SHOWN_JS: Final = f"""
(entityId) => {{
  {_DEEP}
  for (const dialog of deepAll('HA-MORE-INFO-DIALOG')) {{
    for (const video of deepAll('VIDEO', dialog.shadowRoot || dialog)) {{
      if (video.readyState >= 2 && video.videoWidth > 0) {{
        return `live <video> ${{video.videoWidth}}x${{video.videoHeight}}`;
      }}
    }}
    for (const img of deepAll('IMG', dialog.shadowRoot || dialog)) {{
      if (img.src.includes('/api/camera_proxy') && img.src.includes(entityId)
          && img.complete && img.naturalWidth > 0) {{
        return `<img> ${{img.naturalWidth}}x${{img.naturalHeight}}`;
      }}
    }}
  }}
  return null;
}}
"""
# Truthy once every entity icon on the page has drawn its SVG path (they load
# asynchronously), including the icon of ``entityId``.
ICONS_DRAWN_JS: Final = f"""
(entityId) => {{
  {_DEEP}
  const svgPath = (root) => {{
    if (!root) return null;
    const svg = root.querySelector('ha-svg-icon');
    if (svg) return svg.shadowRoot && svg.shadowRoot.querySelector('path');
    const icon = root.querySelector('ha-icon');
    return icon ? svgPath(icon.shadowRoot) : null;
  }};
  const icons = deepAll('HA-STATE-ICON');
  const drawn = icons.filter((icon) => {{
    const path = svgPath(icon.shadowRoot);
    return path && (path.getAttribute('d') || '').length > 0;
  }});
  const wanted = icons.some((icon) => icon.stateObj
    && icon.stateObj.entity_id === entityId);
  return wanted && drawn.length === icons.length ? icons.length : null;
}}
"""


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    """Whether a JPEG pixel is ``colour`` give or take compression."""
    return all(
        abs(a - b) <= COLOUR_TOLERANCE for a, b in zip(pixel, colour, strict=False)
    )


class E2E:
    """The steps, in order; each builds on the ones before."""

    def __init__(
        self,
        harness: Harness,
        env: Env,
        session: aiohttp.ClientSession,
        context: BrowserContext,
    ) -> None:
        """Bind to the running Home Assistant, the emulator and the browser."""
        self.step = harness.check
        self.env = env
        self.session = session
        self.hass = HassClient(session, env.hass_url)
        self.emulator = EmulatorClient(session, env.emulator_url, env.camera_password)
        self.context = context
        self.page: Page | None = None
        self.entry_id = ""
        self.title = ""
        self.entities: dict[str, dict[str, Any]] = {}

    # ----------------------------------------------------------------- helpers

    @property
    def p(self) -> Page:
        """The browser tab."""
        if self.page is None:
            msg = "no page yet"
            raise CheckError(msg)
        return self.page

    async def emulator_snapshot(self) -> Image.Image:
        """A still straight from the emulated camera's image.cgi."""
        data = await self.emulator.still()
        return Image.open(io.BytesIO(data)).convert("RGB")

    def entity_id(self, key: str) -> str:
        """The entity id of the camera's entity with description key ``key``."""
        expect_that(key in self.entities, f"no entity with key {key!r}")
        return str(self.entities[key]["entity_id"])

    async def shot(self, name: str, style: str | None = None) -> Path:
        """Save a viewport screenshot to artifacts/e2e/."""
        path = ARTIFACTS / name
        await self.p.screenshot(
            path=path, animations="disabled", caret="hide", style=style
        )
        return path

    # ----------------------------------------------------------------- set-up

    async def setup(self) -> None:
        """Home Assistant answers; the owner is onboarded over the API."""
        alive = process_alive(self.env.hass_pid) if self.env.hass_pid else None
        took = await self.hass.wait_until_up(STARTUP_LIMIT, alive)
        await self.hass.onboard(
            name=DEMO_NAME, username=DEMO_USERNAME, password=DEMO_PASSWORD
        )
        print(f"     Home Assistant answered after {took:.0f} s; owner onboarded")

    # ----------------------------------------------------------------- steps

    async def login(self) -> None:
        """Open the login page, type the credentials, land on the dashboard."""
        async with self.step("1. log in through the login page") as notes:
            self.page = page = await self.context.new_page()
            await page.goto(self.env.hass_url)
            await expect(page.get_by_text("Welcome home!")).to_be_visible()
            await page.get_by_role("textbox", name="Username").fill(DEMO_USERNAME)
            await page.get_by_role("textbox", name="Password", exact=True).fill(
                DEMO_PASSWORD
            )
            await page.get_by_role("button", name="Log in").click()
            await expect(page).to_have_url(re.compile(r"/lovelace/"))
            await expect(self.settings()).to_be_visible()
            notes.add(f"as {DEMO_USERNAME}, on {urlsplit(page.url).path}")

    async def open_camera_form(self) -> None:
        """Settings → Devices & services → Add integration → ExcelSense."""
        page = self.p
        await self.settings().click()
        await page.get_by_text("Devices & services", exact=True).click()
        await expect(page).to_have_url(
            f"{self.env.hass_url}/config/integrations/dashboard"
        )
        await page.get_by_role("button", name="Add integration").click()
        await page.get_by_role("textbox", name="Search for a brand name").fill(
            "ExcelSense"
        )
        brand = page.get_by_text("ExcelSense IP Camera", exact=True)
        await expect(brand).to_be_visible()
        await self.shot("add-integration.png")
        await brand.click()
        await expect(
            page.get_by_role("heading", name="Add an ExcelSense camera")
        ).to_be_visible()

    async def add_camera(self) -> None:
        """The config flow: a URL as host, a wrong password, then the camera."""
        async with self.step("2. add the camera through the config flow") as notes:
            page = self.p
            await self.open_camera_form()
            port = str(urlsplit(self.env.emulator_url).port)
            host = page.get_by_role("textbox", name="Host")
            await host.fill(CAMERA_HOST)
            await page.get_by_role("spinbutton", name="HTTP port").fill(port)
            await page.get_by_role("textbox", name="Username").fill(CAMERA_USERNAME)
            password = page.get_by_role("textbox", name="Password", exact=False)
            await password.fill(WRONG_PASSWORD)
            # The descriptions render asynchronously (markdown): wait for them.
            await expect(
                page.get_by_text("Enter the address of the camera")
            ).to_be_visible()
            await expect(
                page.get_by_text("The password of that account.")
            ).to_be_visible()
            await password.blur()
            await self.shot("config-flow.png")
            submit = page.get_by_role("button", name="Submit")
            await host.fill(f"http://{CAMERA_HOST}:{port}")
            await submit.click()
            await expect(page.get_by_text(INVALID_HOST)).to_be_visible()
            notes.add("URL as host refused")
            await host.fill(CAMERA_HOST)
            await submit.click()
            await expect(page.get_by_text(INVALID_AUTH)).to_be_visible()
            notes.add("wrong password refused")
            await self.shot("config-flow-wrong-password.png")
            await password.fill(self.env.camera_password)
            await submit.click()
            await expect(page.get_by_role("heading", name="Success!")).to_be_visible()
            await self.shot("config-flow-success.png")
            created = page.get_by_text("Created configuration for ")
            self.title = (await created.inner_text()).strip()
            self.title = self.title.removeprefix("Created configuration for ")
            self.title = self.title.removesuffix(".")
            await page.get_by_role("button", name="Finish").click()
            await expect(page.get_by_role("button", name="Finish")).to_be_hidden()
            entries = await self.hass.camera_entries()
            expect_that(len(entries) == 1, f"{len(entries)} config entries")
            self.entry_id = entries[0]["entry_id"]
            entry = await self.hass.wait_for_entry(self.entry_id, 60)
            expect_that(entry["title"] == self.title, f"entry {entry['title']!r}")
            self.entities = await self.hass.entities(self.entry_id)
            notes.add(f"entry {self.title!r} {entry['state']}")

    async def device_page(self) -> None:
        """The device page lists the camera's entities."""
        async with self.step("3. device page shows the entities") as notes:
            page = self.p
            # Finish leaves the browser on the integration's page.
            await expect(page).to_have_url(
                re.compile(r"/config/integrations/integration/excelsense\b")
            )
            await page.get_by_role("link", name="1 device").first.click()
            await expect(
                page.get_by_role("heading", name="Device info")
            ).to_be_visible()
            await expect(page.get_by_text(self.title, exact=True).first).to_be_visible()
            for name in DEVICE_PAGE_NAMES:
                await expect(page.get_by_text(name, exact=True)).to_be_visible()
            press = self.self_clean_row().get_by_role("button", name="Press")
            await expect(press).to_be_visible()
            icons = await page.wait_for_function(
                ICONS_DRAWN_JS, arg=self.entity_id("self_clean"), timeout=WAIT_MS
            )
            await self.shot("device.png")
            notes.add(f"{await icons.json_value()} entity rows with icons")

    def settings(self) -> Locator:
        """The sidebar's Settings item."""
        return self.p.get_by_role("option", name="Settings").first

    def card(self, heading: str) -> Locator:
        """The device page's entities card under ``heading``."""
        return self.p.locator("ha-device-entities-card").filter(
            has=self.p.get_by_role("heading", name=heading)
        )

    def self_clean_row(self) -> Locator:
        """The device page's Self-clean row."""
        return self.p.locator("hui-button-entity-row").filter(
            has=self.p.get_by_text("Self-clean", exact=True)
        )

    async def camera_view(self) -> None:
        """The camera's more-info dialog shows the emulator's picture."""
        async with self.step("4. camera view shows the emulator's picture") as notes:
            page = self.p
            camera = self.entity_id("camera")
            sensors = self.card("Sensors")
            await sensors.get_by_text(self.title, exact=True).click()
            dialog = page.get_by_role("alertdialog", name=self.title)
            await expect(dialog).to_be_visible()
            shown = await page.wait_for_function(
                CAMERA_SHOWN_JS, arg=camera, timeout=CAMERA_WAIT_MS
            )
            # The pointer rests where the camera row was, over the picture:
            # move it away, and leave the player's hover controls out.
            await page.mouse.move(VIEWPORT["width"] - 1, VIEWPORT["height"] - 1)
            await self.shot("camera.png", style=NO_MEDIA_CONTROLS)
            what = str(await shown.json_value())
            if what.startswith("live"):
                # The live view comes from the emulator's RTSP stream.
                rtsp = (await self.emulator.state())["rtsp"]
                expect_that(
                    rtsp and rtsp["players"] >= 1,
                    f"no RTSP player at the camera: {rtsp}",
                )
                what += f" from the camera's RTSP stream ({rtsp['players']} player)"
            notes.add(what)
            # The dialog's content is slotted, outside its role element: not
            # dialog.get_by_role(...), but the page's only Close button.
            await page.get_by_role("button", name="Close").click()
            await expect(dialog).to_be_hidden()

    async def self_clean(self) -> None:
        """Self-clean from the device page reaches the camera as a 300 ms pulse."""
        async with self.step("5. Self-clean: 300 ms pulse, camera cleaning") as notes:
            page = self.p
            before = len((await self.emulator.state())["pulses"])
            await self.self_clean_row().get_by_role("button", name="Press").click()

            async def pulse_done() -> dict[str, Any] | None:
                state = await self.emulator.state()
                new = state["pulses"][before:]
                if new and not new[-1]["running"]:
                    return state
                return None

            state = await poll(
                pulse_done, PULSE_WAIT, "the end of the pulse", PULSE_POLL
            )
            pulses = state["pulses"][before:]
            expect_that(len(pulses) == 1, f"{len(pulses)} pulses: {pulses}")
            pulse = pulses[0]
            expect_that(
                pulse["time_ms"] == SELF_CLEAN_MS and pulse["completed"],
                f"pulse {pulse}",
            )
            expect_that(pulse["effect"] == "self_clean", f"pulse {pulse}")
            expect_that(state["cleaning"], "the emulator is not cleaning")
            picture = await self.emulator_snapshot()
            width, height = picture.size
            # The band spans the width; outside it, grey and blue bars.
            band = [picture.getpixel((x, height // 2)) for x in (8, width - 8)]
            expect_that(
                all(isinstance(p, tuple) and near(p, CLEANING_BLUE) for p in band),
                f"no CLEANING band in the camera's picture (pixels {band})",
            )
            picture.save(ARTIFACTS / "camera-cleaning.jpg")
            notes.add(f"{SELF_CLEAN_MS} ms pulse completed, picture says CLEANING")

            async def restored() -> dict[str, Any] | None:
                state = await self.emulator.state()
                return state if state["self_clean_profile"] else None

            await poll(
                restored, PULSE_WAIT, "the self-clean alarm output setting", PULSE_POLL
            )
            await expect(
                page.get_by_text("Failed to perform the action")
            ).to_have_count(0)
            notes.add("alarm output back in the self-clean setting")

    async def motion(self) -> None:
        """Motion detection on through its switch; the Motion row follows the camera."""
        async with self.step(
            "6. motion: switch on, Motion Detected, then Clear"
        ) as notes:
            page = self.p
            switch = (
                page.locator("hui-toggle-entity-row")
                .filter(has=page.get_by_text("Motion detection", exact=True))
                .get_by_role("switch")
            )
            await expect(switch).not_to_be_checked()
            await switch.click()
            await expect(switch).to_be_checked()

            async def raised() -> bool | None:
                # No alarm (and no harm) until the camera has detection on.
                return await self.emulator.motion(MOTION_LONGEST) or None

            await poll(raised, PULSE_WAIT, "motion detection on at the camera")
            # The state is slotted into the row, next to its name: no element
            # holds it alone, so the whole row's text is checked.
            row = (
                self.card("Sensors")
                .locator("hui-simple-entity-row")
                .filter(has=page.get_by_text("Motion", exact=True))
            )
            await expect(row).to_have_count(1)
            try:
                await expect(row).to_contain_text("Detected", timeout=MOTION_WAIT_MS)
                notes.add("Detected")
                # The Alarm row of the Events card names the latest event's type.
                await expect(
                    self.card("Events").get_by_text("Motion", exact=True)
                ).to_be_visible()
                notes.add("alarm event Motion")
                await row.scroll_into_view_if_needed()
                await self.shot("motion.png")
            finally:
                await self.emulator.end_motion()
            await expect(row).to_contain_text("Clear", timeout=MOTION_WAIT_MS)
            notes.add("Clear after the motion ended")

    async def log(self) -> None:
        """No integration error and no camera password in Home Assistant's logs."""
        async with self.step("7. home-assistant.log: no errors, no password") as notes:
            log_findings(self.env, notes)

    async def run(self) -> None:
        """Every step in order."""
        await self.login()
        await self.add_camera()
        await self.device_page()
        await self.camera_view()
        await self.self_clean()
        await self.motion()
        await self.log()


async def save_failure(context: BrowserContext, env: Env) -> None:
    """Full-page screenshots of every tab, the trace and the logs."""
    FAILURE.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(context.pages, 1):
        with contextlib.suppress(Exception):
            await page.screenshot(
                path=FAILURE / f"page-{number}.png", full_page=True, timeout=10_000
            )
    with contextlib.suppress(Exception):
        await context.tracing.stop(path=FAILURE / "trace.zip")
    for log in (env.hass_log, env.hass_console, env.emulator_log):
        with contextlib.suppress(OSError):
            shutil.copy(log, FAILURE / log.name)
    print(f"\n--- screenshots, trace and logs: {FAILURE.relative_to(ROOT)}/")


def update_docs() -> None:
    """Copy the screenshots to docs/."""
    DOCS.mkdir(exist_ok=True)
    for name in SHOTS:
        shutil.copyfile(ARTIFACTS / name, DOCS / name)
        size = (DOCS / name).stat().st_size
        print(f"     docs/{name} ({size // 1024} KiB)")


async def block_the_internet(route: Route) -> None:
    """Only Home Assistant on loopback is reachable (brand images come from the web)."""
    await route.abort("blockedbyclient")


async def browse(
    pw: Playwright, harness: Harness, env: Env, session: aiohttp.ClientSession
) -> None:
    """Launch Chromium and run the steps; a failure leaves its traces."""
    browser: Browser = await pw.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    console = (ARTIFACTS / "browser-console.log").open("w", encoding="utf-8")
    try:
        context = await browser.new_context(
            viewport=VIEWPORT,
            device_scale_factor=1,
            locale="en-US",
            color_scheme="light",
            service_workers="block",
        )
        context.set_default_timeout(WAIT_MS)
        await context.route(
            lambda url: not url.startswith(env.hass_url), block_the_internet
        )
        await context.tracing.start(screenshots=True, snapshots=True)

        def on_console(message: ConsoleMessage) -> None:
            console.write(f"{message.type}: {message.text}\n")

        def on_error(error: WebError) -> None:
            console.write(f"page error: {error.error}\n")

        context.on("console", on_console)
        context.on("weberror", on_error)
        e2e = E2E(harness, env, session, context)
        try:
            await e2e.setup()
            async with asyncio.timeout(RUN_LIMIT):
                await e2e.run()
        except Exception:
            await save_failure(context, env)
            raise
    finally:
        console.close()
        await browser.close()


def main() -> int:
    """Run the browser test; 0 when every step passed."""
    parser = arguments("scripts/_e2e.py", "End-to-end test in Chromium.")
    parser.add_argument(
        "--update-docs", action="store_true", help="copy the screenshots to docs/"
    )
    args = parser.parse_args()
    expect.set_options(timeout=WAIT_MS)
    env = Env.from_environ()
    harness = Harness("e2e")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(FAILURE, ignore_errors=True)

    async def body() -> None:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
            async_playwright() as pw,
        ):
            await browse(pw, harness, env, session)
        shots = ", ".join(f"artifacts/e2e/{name}" for name in SHOTS)
        print(f"     screenshots: {shots}")
        if args.update_docs:
            update_docs()

    return harness.run(env, body, args.results)


if __name__ == "__main__":
    sys.exit(main())
