"""Authentication, users and permissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .conftest import Api, error_code

if TYPE_CHECKING:
    import aiohttp

    from tests.emulator import EmulatedCamera

DEVICE_INFO = {"action": "get", "type": "deviceInfo"}


async def test_valid_login(api: Api) -> None:
    """Correct credentials get the reply."""
    node = await api.get("deviceInfo")
    assert node.get("productModel") == "ToughEye"


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [("nobody", "admin", -507), ("admin", "wrong", -508), ("admin", "", -508)],
)
async def test_bad_credentials_answer_codes(
    session: aiohttp.ClientSession,
    cam: EmulatedCamera,
    username: str,
    password: str,
    code: int,
) -> None:
    """Unknown user -507, wrong password -508, both as HTTP 200 by default."""
    status, _, body = await Api(session, cam, username, password).raw(
        "param.cgi", DEVICE_INFO
    )
    assert status == 200
    assert error_code(body.decode()) == code


async def test_missing_credentials(api: Api) -> None:
    """Without userName the user is unknown; without password the login is invalid."""
    assert (
        error_code((await api.raw("param.cgi", DEVICE_INFO, auth=False))[2].decode())
        == -507
    )
    body = (
        await api.raw("param.cgi", {"userName": "admin", **DEVICE_INFO}, auth=False)
    )[2]
    assert error_code(body.decode()) == -508


async def test_http401_style(
    session: aiohttp.ClientSession, cam: EmulatedCamera
) -> None:
    """With the quirk, auth failures are HTTP 401 carrying the same error body."""
    cam.quirks.auth_failure = "http401"
    status, _, body = await Api(session, cam, "admin", "nope").raw(
        "param.cgi", DEVICE_INFO
    )
    assert status == 401
    assert error_code(body.decode()) == -508
    status, _, body = await Api(session, cam).raw("param.cgi", DEVICE_INFO)
    assert status == 200


async def test_device_info_without_auth(
    session: aiohttp.ClientSession, cam: EmulatedCamera
) -> None:
    """The quirk answers deviceInfo to anyone, but nothing else."""
    anonymous = Api(session, cam, "nobody", "x")
    assert await anonymous.code("param.cgi", DEVICE_INFO) == -507
    cam.quirks.device_info_without_auth = True
    assert (await anonymous.get("deviceInfo")).get("MACAddress") == "00:1C:27:15:93:56"
    assert (await anonymous.raw("param.cgi", DEVICE_INFO, auth=False))[0] == 200
    assert await anonymous.code("param.cgi", {"action": "get", "type": "NTP"}) == -507


async def test_add_user_and_permissions(
    api: Api, session: aiohttp.ClientSession, cam: EmulatedCamera
) -> None:
    """A non-administrator may read but gets -512 on every change."""
    params = {
        "action": "add",
        "type": "User",
        "newuser": "viewer",
        "newpasswd": "p&ss=w/rd%",
        "group": "Users",
    }
    assert (await api.text("param.cgi", params)).strip() == "OK"
    assert cam.state.users["viewer"].group == "Users"
    viewer = Api(session, cam, "viewer", "p&ss=w/rd%")
    assert (await viewer.get("NTP")).get("enableFlag") == "1"
    assert (await viewer.raw("image.cgi", {"quality": "5"}))[0] == 200
    assert await viewer.set_code("NTP", IPProtoVer="1", enableFlag="0") == -512
    assert await viewer.set_code("brightness", cgi="sensor.cgi", value="1") == -512
    assert (
        await viewer.code(
            "alarm.cgi",
            {"action": "manualControl", "alarmOutID": "1", "controlFlag": "1"},
        )
        == -512
    )
    assert await viewer.code("operate.cgi", {"action": "restart"}) == -512
    assert await viewer.code("operate.cgi", {"action": "reset"}) == -512
    assert await viewer.code("param.cgi", {**params, "newuser": "other"}) == -512
    assert (
        await viewer.code(
            "param.cgi",
            {"action": "modify", "type": "User", "user": "viewer", "newpasswd": "x"},
        )
        == -512
    )
    assert not cam.pulses


@pytest.mark.parametrize(
    "params",
    [
        {"newpasswd": "x", "group": "Users"},
        {"newuser": "bob", "group": "Users"},
        # "group ... Required when current user is super-privileged."
        {"newuser": "bob", "newpasswd": "x"},
        {"newuser": "", "newpasswd": "x", "group": "Users"},
        {"newuser": "bob", "newpasswd": "", "group": "Users"},
        {"newuser": "admin", "newpasswd": "x", "group": "Users"},
    ],
)
async def test_add_user_validation(api: Api, params: dict[str, str]) -> None:
    """Missing fields, a missing group (admin caller), existing users: -23."""
    assert (
        await api.code("param.cgi", {"action": "add", "type": "User", **params}) == -23
    )


async def test_modify_user(
    api: Api, session: aiohttp.ClientSession, cam: EmulatedCamera
) -> None:
    """Modify changes the password (old one stops working) and optionally the group."""
    base = {"action": "modify", "type": "User"}
    assert (
        await api.code("param.cgi", {**base, "user": "ghost", "newpasswd": "x"}) == -23
    )
    assert await api.code("param.cgi", {**base, "user": "admin"}) == -23
    assert (
        await api.text(
            "param.cgi",
            {**base, "user": "admin", "newpasswd": "n3w;pw", "note": "boss"},
        )
    ).strip() == "OK"
    assert await api.code("param.cgi", DEVICE_INFO) == -508
    fresh = Api(session, cam, "admin", "n3w;pw")
    assert (await fresh.get("deviceInfo")).get("deviceID") == "159356"
    assert cam.state.users["admin"].note == "boss"
    assert (
        await fresh.text(
            "param.cgi",
            {**base, "user": "admin", "newpasswd": "n3w;pw", "group": "Operators"},
        )
    ).strip() == "OK"
    assert await fresh.set_code("deviceName", deviceName="x") == -512


async def test_unknown_action_for_user(api: Api) -> None:
    """There is no get for users."""
    assert await api.code("param.cgi", {"action": "get", "type": "User"}) == -23
