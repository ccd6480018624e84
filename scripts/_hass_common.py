"""What scripts/develop, smoke and e2e share about Home Assistant and the emulator.

A library, imported by ``_develop.py`` (the command line scripts/develop
calls), ``_smoke.py`` and ``_e2e.py``: the config directory that runs this
integration (``write_config``), the environment scripts/develop exports to
the command it runs (``Env``), a small client for Home Assistant's HTTP and
websocket API (``HassClient``) and one for the emulator's test controls
(``EmulatorClient``).

Runs on the Python of ``.venv-develop`` (aiohttp comes with Home Assistant).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import socket
import time
from typing import TYPE_CHECKING, Any, Final
import zoneinfo

import aiohttp

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT: Final = Path(__file__).resolve().parent.parent
INTEGRATION: Final = ROOT / "custom_components" / "excelsense"
DOMAIN: Final = "excelsense"

DEMO_NAME: Final = "Demo"
DEMO_USERNAME: Final = "demo"
DEMO_PASSWORD: Final = "demo-password"  # noqa: S105 - printed for the person trying the demo
CAMERA_HOST: Final = "127.0.0.1"
CAMERA_USERNAME: Final = "admin"

_CONFIGURATION = """\
# Written by scripts/develop; edit freely, it is only written when missing.
homeassistant:
  name: ExcelSense demo
  time_zone: {time_zone}
  country: {country}
  unit_system: metric

# Loopback only: the demo is for this machine.
http:
  server_host: 127.0.0.1
  server_port: {port}

# HLS live view (PyAV from .venv-develop; the RTSP stream needs Debian's ffmpeg).
stream:

logger:
  default: warning
  logs:
    custom_components.excelsense: debug
"""

# The core_config onboarding step starts flows for met, radio_browser and
# google_translate, which pip-install packages and call the internet; the
# location is configured above instead, so that step is recorded as done here
# and the other steps go through the onboarding API.
_ONBOARDING_STORE = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config"]},
}


@dataclass
class Env:
    """What scripts/develop exports to the command it runs (smoke, e2e)."""

    hass_url: str
    config: Path
    emulator_url: str
    camera_password: str
    emulator_log: Path
    hass_console: Path
    rtsp: bool
    hass_pid: int

    @classmethod
    def from_environ(cls) -> Env:
        """Read the environment scripts/develop exports."""
        return cls(
            hass_url=os.environ["HASS_URL"],
            config=Path(os.environ["HASS_CONFIG"]),
            emulator_url=os.environ["EMULATOR_URL"],
            camera_password=os.environ["CAMERA_PASSWORD"],
            emulator_log=Path(os.environ["EMULATOR_LOG"]),
            hass_console=Path(os.environ["HASS_OUT"]),
            rtsp=os.environ.get("RTSP") == "1",
            hass_pid=int(os.environ.get("HASS_PID", "0")),
        )

    @property
    def hass_log(self) -> Path:
        """Home Assistant's log file."""
        return self.config / "home-assistant.log"


class HassError(Exception):
    """Home Assistant answered something unexpected."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether Home Assistant could listen on ``port``.

    As hass binds: a port with connections in TIME_WAIT counts as free.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def local_time_zone() -> str:
    """The machine's IANA time zone (the emulator's clock runs in it), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    for candidate in candidates:
        if not candidate:
            continue
        with contextlib.suppress(ValueError, zoneinfo.ZoneInfoNotFoundError):
            zoneinfo.ZoneInfo(candidate)
            return candidate
    return "UTC"


def write_config(
    config: Path, *, port: int, integration: Path = INTEGRATION, fresh: bool = False
) -> None:
    """Create the config directory (kept if it exists, unless ``fresh``).

    ``configuration.yaml`` is written only when missing, except that the HTTP
    port always follows ``port``; ``custom_components/excelsense`` always
    links to ``integration``.
    """
    if fresh and config.exists():
        # rmtree removes the integration link, never what it points to.
        shutil.rmtree(config)
    (config / "custom_components").mkdir(parents=True, exist_ok=True)
    link = config / "custom_components" / DOMAIN
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(integration.resolve(), target_is_directory=True)
    yaml = config / "configuration.yaml"
    if yaml.exists():
        lines = yaml.read_text(encoding="utf-8").splitlines(keepends=True)
        text = "".join(
            f"  server_port: {port}\n" if line.startswith("  server_port:") else line
            for line in lines
        )
    else:
        text = _CONFIGURATION.format(
            port=port, time_zone=local_time_zone(), country="DE"
        )
    yaml.write_text(text, encoding="utf-8")
    store = config / ".storage" / "onboarding"
    if not store.exists():
        store.parent.mkdir(exist_ok=True)
        store.write_text(json.dumps(_ONBOARDING_STORE, indent=2), encoding="utf-8")


def camera_form(
    *, host: str, port: int, username: str, password: str
) -> dict[str, Any]:
    """The config flow's user step as the frontend submits it (plain HTTP)."""
    return {
        "host": host,
        "port": port,
        "username": username,
        "password": password,
        # The HTTPS options are a (collapsed) section of the form.
        "https": {"ssl": False, "verify_ssl": True},
    }


class HassClient:
    """Just enough of Home Assistant's HTTP and websocket API for the scripts."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Talk to the Home Assistant at ``url`` (no trailing slash)."""
        self.session = session
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.token: str | None = None

    # ----------------------------------------------------------------- plumbing

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        expect: tuple[int, ...] = (200, 201),
    ) -> Any:  # noqa: ANN401 - JSON
        """Call the REST API; the decoded JSON reply (None when empty)."""
        async with self.session.request(
            method, self.url + path, json=json_body, headers=self._headers()
        ) as response:
            body = await response.text()
            if response.status not in expect:
                msg = f"{method} {path}: HTTP {response.status}: {body[:500]}"
                raise HassError(msg)
            return json.loads(body) if body else None

    async def ws(self, command: dict[str, Any]) -> Any:  # noqa: ANN401 - JSON
        """Run one websocket command; its ``result``."""
        async with self.session.ws_connect(self.url + "/api/websocket") as socket_:
            await socket_.receive_json()  # auth_required
            await socket_.send_json({"type": "auth", "access_token": self.token})
            auth = await socket_.receive_json()
            if auth.get("type") != "auth_ok":
                msg = f"websocket auth failed: {auth}"
                raise HassError(msg)
            await socket_.send_json({"id": 1, **command})
            while True:
                reply = await socket_.receive_json()
                if reply.get("id") == 1 and reply.get("type") == "result":
                    break
            if not reply.get("success"):
                msg = f"websocket {command['type']}: {reply.get('error')}"
                raise HassError(msg)
            return reply.get("result")

    async def wait_until_up(
        self, within: float, alive: Callable[[], bool] | None = None
    ) -> float:
        """Wait until the frontend answers; seconds it took."""
        start = time.monotonic()
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.session.get(
                    self.url + "/manifest.json",
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as response:
                    if response.status == 200:  # noqa: PLR2004
                        return time.monotonic() - start
            if alive is not None and not alive():
                msg = "Home Assistant exited while starting"
                raise HassError(msg)
            if time.monotonic() - start > within:
                msg = f"Home Assistant did not answer within {within:.0f} s"
                raise HassError(msg)
            await asyncio.sleep(0.5)

    # ----------------------------------------------------------------- auth

    async def _token_from_code(self, code: str) -> None:
        async with self.session.post(
            self.url + "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        ) as response:
            if response.status != 200:  # noqa: PLR2004
                msg = f"/auth/token: HTTP {response.status}: {await response.text()}"
                raise HassError(msg)
            self.token = (await response.json())["access_token"]

    async def onboarding_done(self) -> set[str]:
        """The onboarding steps already done."""
        async with self.session.get(self.url + "/api/onboarding") as response:
            if response.status == 404:  # noqa: PLR2004
                # Once onboarded, hass no longer serves the onboarding API.
                return {"user", "core_config", "analytics", "integration"}
            response.raise_for_status()
            steps = await response.json()
        return {step["step"] for step in steps if step["done"]}

    async def onboard(
        self, *, name: str, username: str, password: str, language: str = "en"
    ) -> None:
        """Finish onboarding: owner account, analytics, integration steps."""
        done = await self.onboarding_done()
        if "user" in done:
            await self.login(username, password)
        else:
            reply = await self.request(
                "POST",
                "/api/onboarding/users",
                json_body={
                    "client_id": self.client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": language,
                },
            )
            await self._token_from_code(reply["auth_code"])
        if "core_config" not in done:
            await self.request("POST", "/api/onboarding/core_config", json_body={})
        if "analytics" not in done:
            await self.request("POST", "/api/onboarding/analytics", json_body={})
        if "integration" not in done:
            await self.request(
                "POST",
                "/api/onboarding/integration",
                json_body={
                    "client_id": self.client_id,
                    "redirect_uri": f"{self.client_id}?auth_callback=1",
                },
            )

    async def login(self, username: str, password: str) -> None:
        """Log in through the login flow, as the frontend does."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json_body={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.client_id}?auth_callback=1",
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json_body={
                "client_id": self.client_id,
                "username": username,
                "password": password,
            },
        )
        if result.get("type") != "create_entry":
            msg = f"login of {username!r} refused: {result.get('errors')}"
            raise HassError(msg)
        await self._token_from_code(result["result"])

    # ----------------------------------------------------------------- states

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every state, by entity id."""
        return {s["entity_id"]: s for s in await self.request("GET", "/api/states")}

    async def call(self, domain: str, service: str, **data: object) -> None:
        """Call a service; returns once Home Assistant has run it."""
        await self.request("POST", f"/api/services/{domain}/{service}", json_body=data)

    # ----------------------------------------------------------------- camera

    async def camera_entries(self) -> list[dict[str, Any]]:
        """Config entries of this integration."""
        entries: list[dict[str, Any]] = await self.request(
            "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
        )
        return entries

    async def start_camera_flow(self) -> str:
        """Start the config flow; its id, once it shows the user step's form."""
        flow = await self.request(
            "POST",
            "/api/config/config_entries/flow",
            json_body={"handler": DOMAIN, "show_advanced_options": False},
        )
        if flow.get("type") != "form" or flow.get("step_id") != "user":
            msg = f"config flow did not start with the user form: {flow}"
            raise HassError(msg)
        return str(flow["flow_id"])

    async def submit(self, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Submit a step of a config flow; what the flow answered."""
        result: dict[str, Any] = await self.request(
            "POST", f"/api/config/config_entries/flow/{flow_id}", json_body=data
        )
        return result

    async def add_camera(
        self, *, host: str, port: int, username: str, password: str
    ) -> dict[str, Any]:
        """Add a camera through the config flow's user step; the new entry."""
        flow_id = await self.start_camera_flow()
        result = await self.submit(
            flow_id,
            camera_form(host=host, port=port, username=username, password=password),
        )
        if result.get("type") != "create_entry":
            msg = (
                f"config flow ended in {result.get('type')}"
                f" {result.get('errors') or result.get('reason')}"
            )
            raise HassError(msg)
        entry: dict[str, Any] = result["result"]
        return entry

    async def wait_for_entry(self, entry_id: str, within: float) -> dict[str, Any]:
        """Wait until the config entry is loaded; the entry."""
        deadline = time.monotonic() + within
        while True:
            entry = next(
                (e for e in await self.camera_entries() if e["entry_id"] == entry_id),
                None,
            )
            if entry is not None and entry["state"] == "loaded":
                return entry
            if time.monotonic() > deadline:
                state = entry["state"] if entry else "missing"
                msg = f"config entry still {state} after {within:.0f} s"
                raise HassError(msg)
            await asyncio.sleep(0.5)

    async def entities(self, entry_id: str) -> dict[str, dict[str, Any]]:
        """The entry's registry entries by entity description key."""
        registry = await self.ws({"type": "config/entity_registry/list"})
        found = {}
        for item in registry:
            if item.get("config_entry_id") != entry_id:
                continue
            key = str(item["unique_id"]).partition("_")[2]
            found[key] = item
        return found


def process_alive(pid: int) -> Callable[[], bool]:
    """A check that process ``pid`` still runs (and is no zombie)."""

    def alive() -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
        except OSError:
            return False
        return stat.rpartition(")")[2].split()[0] != "Z"

    return alive


class EmulatorClient:
    """The emulated camera: its debug view, test controls and CGI API."""

    def __init__(self, session: aiohttp.ClientSession, url: str, password: str) -> None:
        """Talk to the emulator at ``url`` whose admin has ``password``."""
        self.session = session
        self.url = url.rstrip("/")
        self.password = password

    async def state(self) -> dict[str, Any]:
        """The read-only debug view (``/emulator/state``)."""
        async with self.session.get(f"{self.url}/emulator/state") as response:
            response.raise_for_status()
            state: dict[str, Any] = await response.json()
            return state

    async def motion(self, seconds: float) -> bool:
        """Something moves for ``seconds``; whether the camera raised an alarm.

        It does only while its motion detection is on.
        """
        async with self.session.post(
            f"{self.url}/emulator/motion", params={"seconds": str(seconds)}
        ) as response:
            response.raise_for_status()
            return bool((await response.json())["motion"])

    async def end_motion(self) -> None:
        """The motion stops now (the alarm log entry gets its end)."""
        async with self.session.post(
            f"{self.url}/emulator/motion", params={"stop": "1"}
        ) as response:
            response.raise_for_status()

    async def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """What the camera received from request ``since`` on (no secrets).

        Each: ``path`` (the CGI, or the /onvif/ path) and ``params`` (the
        query's pairs; ``("operation", name)`` for ONVIF).
        """
        async with self.session.get(
            f"{self.url}/emulator/requests", params={"since": str(since)}
        ) as response:
            response.raise_for_status()
            found: list[dict[str, Any]] = await response.json()
            return found

    async def cgi(self, cgi: str, params: list[tuple[str, str]]) -> bytes:
        """Call the CGI API directly as admin, as another tool would."""
        query = [("userName", CAMERA_USERNAME), ("password", self.password)]
        async with self.session.get(
            f"{self.url}/cgi-bin/{cgi}", params=[*params, *query]
        ) as response:
            response.raise_for_status()
            return await response.read()

    async def still(self) -> bytes:
        """A JPEG still from image.cgi at the best quality."""
        return await self.cgi("image.cgi", [("quality", "9")])
