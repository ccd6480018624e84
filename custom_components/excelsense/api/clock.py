"""Time: the camera's clock, its time zone and its NTP client."""

from __future__ import annotations

from datetime import datetime

from . import kv
from .area import Area
from .models import (
    DeviceTime,
    NTPSettings,
    TimeZone,
)
from .validation import (
    check_half_hour,
    check_int,
    check_ipv4,
    invalid,
)


class ClockArea(Area):
    """param.cgi dateTime, timeZone and NTP."""

    async def date_time(self) -> DeviceTime:
        """The device's local clock."""
        return DeviceTime.from_block(await self._get("param.cgi", "dateTime"))

    async def set_date_time(self, value: datetime) -> None:
        """Set the device's local clock (the wall time, in the device's zone)."""
        if not isinstance(value, datetime):
            raise invalid("date_time", "must be a date and time")
        params = [
            ("year", value.year),
            ("month", value.month),
            ("day", value.day),
            ("hour", value.hour),
            ("minute", value.minute),
            ("second", value.second),
        ]
        await self._set("param.cgi", "dateTime", [(k, str(v)) for k, v in params])

    async def time_zone(self) -> TimeZone:
        """Time zone id and daylight-saving rule."""
        return TimeZone.from_block(await self._get("param.cgi", "timeZone"))

    async def set_time_zone(self, zone: TimeZone) -> None:
        """Set the time zone and its DST rule (ranges as the document states)."""
        check_int("time_zone", zone.time_zone, 0, 300)
        for prefix, month, week, weekday, minutes in (
            (
                "begin",
                zone.begin_month,
                zone.begin_week,
                zone.begin_weekday,
                zone.begin_time,
            ),
            ("end", zone.end_month, zone.end_week, zone.end_weekday, zone.end_time),
        ):
            check_int(f"{prefix}_month", month, 1, 12)
            check_int(f"{prefix}_week", week, 1, 5)
            check_int(f"{prefix}_weekday", weekday, 0, 6)
            check_half_hour(f"{prefix}_time", minutes)
        await self._set(
            "param.cgi",
            "timeZone",
            kv.serialize(
                {
                    "timeZone": zone.time_zone,
                    "DSTOpenFlag": zone.dst_enabled,
                    "beginMonth": zone.begin_month,
                    "beginWeekly": zone.begin_week,
                    "beginWeekDays": zone.begin_weekday,
                    "beginTime": zone.begin_time,
                    "endMonth": zone.end_month,
                    "endWeekly": zone.end_week,
                    "endWeekDays": zone.end_weekday,
                    "endTime": zone.end_time,
                }
            ),
        )

    async def ntp(self) -> NTPSettings:
        """NTP client settings."""
        return NTPSettings.from_block(await self._get("param.cgi", "NTP"))

    async def set_ntp(
        self,
        *,
        enabled: bool,
        server: str,
        port: int = 123,
        interval: int | None = None,
    ) -> None:
        """Set the NTP client.

        The port is "0-65535", but "values above 65535 are clamped to 65535"
        by the camera, so only negative ones are refused here.
        """
        check_ipv4("server", server)
        check_int("port", port, 0)
        params: dict[str, object] = {
            "IPProtoVer": 1,
            "enableFlag": enabled,
            "NTPIP": server,
            "NTPPort": port,
        }
        if interval is not None:
            params["NTPCheckTime"] = check_int("interval", interval)
        await self._set("param.cgi", "NTP", kv.serialize(params))
