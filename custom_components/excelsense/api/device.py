"""Device and network: identity, names, addresses, ports, users, restarts."""

from __future__ import annotations

from functools import partial

from . import kv
from .area import Area, Changes
from .models import (
    CameraInfo,
    DeviceInfo,
    DevicePort,
    LocalNetwork,
    ProtocolInfo,
)
from .reader import Reader
from .validation import (
    check_choice,
    check_int,
    check_ipv4,
    check_name_text,
    check_text,
)


class DeviceArea(Area):
    """param.cgi device, network, protocol and user endpoints; operate.cgi."""

    async def device_info(self) -> DeviceInfo:
        """Model, MAC, versions. Some firmware answers it without checking login."""
        return DeviceInfo.from_block(await self._get("param.cgi", "deviceInfo"))

    async def set_device_name(self, name: str) -> None:
        """Rename the device (empty clears it, as the factory name is)."""
        check_name_text("device_name", name)
        await self._set("param.cgi", "deviceName", [("deviceName", name)])

    async def camera_info(self, camera_id: int = 1) -> CameraInfo:
        """The channel's name."""
        block = await self._get("param.cgi", "cameraInfo", ("cameraID", str(camera_id)))
        return CameraInfo.from_block(block)

    async def set_camera_name(self, name: str, camera_id: int = 1) -> None:
        """Rename a channel (the document puts no character rule on it)."""
        check_text("camera_name", name)
        params = [("cameraID", str(camera_id)), ("cameraName", name)]
        await self._set("param.cgi", "cameraInfo", params)

    async def local_network(self) -> LocalNetwork:
        """IPv4 settings of every NIC."""
        block = await self._get("param.cgi", "localNetwork", ("IPProtoVer", "1"))
        return LocalNetwork.from_block(block)

    async def set_local_network(
        self,
        *,
        net_card_id: int = 1,
        ip_address: str | None = None,
        subnet_mask: str | None = None,
        gateway: str | None = None,
        preferred_dns: str | None = None,
        alternate_dns: str | None = None,
        dhcp: bool | None = None,
    ) -> None:
        """Change IPv4 settings (only the given fields; "" clears gateway/DNS)."""
        check_choice("net_card_id", net_card_id, (1, 2))
        changes = Changes("network", netCardId=net_card_id, IPProtoVer=1)
        for key, name, value, empty in (
            ("IPAddress", "ip_address", ip_address, False),
            ("subNetmask", "subnet_mask", subnet_mask, False),
            ("subGetway", "gateway", gateway, True),
            ("preferredDNS", "preferred_dns", preferred_dns, True),
            ("alternateDNS", "alternate_dns", alternate_dns, True),
        ):
            changes.field(key, value, partial(check_ipv4, name, empty=empty))
        changes.field("autoGetIPFlag", dhcp)
        await self._set("param.cgi", "localNetwork", changes.encoded())

    async def device_port(self) -> DevicePort:
        """Control, HTTP, RTSP and RTMP ports."""
        return DevicePort.from_block(await self._get("param.cgi", "devicePort"))

    async def set_device_port(
        self,
        *,
        control_port: int | None = None,
        http_port: int | None = None,
        rtsp_port: int | None = None,
        rtmp_port: int | None = None,
    ) -> None:
        """Change ports (each "unsigned short", each optional on set)."""
        changes = Changes("ports")
        for key, name, value in (
            ("controlPort", "control_port", control_port),
            ("httpPort", "http_port", http_port),
            ("rtspPort", "rtsp_port", rtsp_port),
            ("rtmpPort", "rtmp_port", rtmp_port),
        ):
            changes.field(key, value, partial(check_int, name, low=0, high=65535))
        await self._set("param.cgi", "devicePort", changes.encoded())

    async def protocol_info(self) -> ProtocolInfo:
        """The ONVIF stack's name and version."""
        return ProtocolInfo.from_block(await self._get("param.cgi", "protocolInfo"))

    async def protocol_security(self) -> bool:
        """Whether ONVIF requests must authenticate."""
        block = await self._get("param.cgi", "protocolSecurity")
        return Reader(block, "protocolSecurity").flag("protocolSecurityFlag")

    async def set_protocol_security(self, *, enabled: bool) -> None:
        """Require (or not) authentication for ONVIF."""
        params = kv.serialize({"protocolSecurityFlag": enabled})
        await self._set("param.cgi", "protocolSecurity", params)

    async def add_user(
        self,
        username: str,
        password: str,
        *,
        group: str | None = None,
        note: str | None = None,
    ) -> None:
        """Create a user account."""
        await self._user("add", "newuser", username, password, group, note)

    async def modify_user(
        self,
        username: str,
        password: str,
        *,
        group: str | None = None,
        note: str | None = None,
    ) -> None:
        """Change a user's password (and group/note)."""
        await self._user("modify", "user", username, password, group, note)

    async def _user(
        self,
        action: str,
        name_key: str,
        username: str,
        password: str,
        group: str | None,
        note: str | None,
    ) -> None:
        field = "new_username" if name_key == "newuser" else "user"
        params = [
            ("action", action),
            ("type", "User"),
            (name_key, check_text(field, username, empty=False)),
            ("newpasswd", check_text("password", password, empty=False)),
        ]
        if group is not None:
            params.append(("group", check_text("group", group, empty=False)))
        if note is not None:
            params.append(("note", check_text("note", note)))
        await self._request("param.cgi", params, "ok")

    async def restart(self) -> None:
        """Reboot the device."""
        await self._request("operate.cgi", [("action", "restart")], "ok")

    async def factory_reset(self) -> None:
        """Reset every setting to factory defaults."""
        await self._request("operate.cgi", [("action", "reset")], "ok")
