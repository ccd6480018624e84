"""Logs: the camera's system and alarm logs between two device-local times."""

from __future__ import annotations

from datetime import datetime

from .area import Area
from .exceptions import ExcelSenseResponseError
from .models import (
    LogEntry,
)
from .validation import (
    check_int,
    invalid,
)

# "-311 No results found" (the error code list): a log query's empty answer.
NO_RESULTS = -311
# "Minimum is 197101010000" (system and alarm log start and end times).
LOG_MINIMUM = datetime(1971, 1, 1)  # noqa: DTZ001 - the device's naive local time


class LogsArea(Area):
    """param.cgi systemLogInfo and alarmLogInfo."""

    async def system_log(
        self, start: datetime, end: datetime, log_type: int = -1
    ) -> list[LogEntry]:
        """System log entries between two device-local times."""
        return await self._logs("systemLogInfo", "SystemLogInfo", start, end, log_type)

    async def alarm_log(
        self,
        start: datetime,
        end: datetime,
        log_type: int = -1,
        *,
        urgent: bool = False,
    ) -> list[LogEntry]:
        """Alarm log entries between two device-local times.

        ``urgent``: go ahead of queued requests (the motion check).
        """
        return await self._logs(
            "alarmLogInfo", "AlarmLogInfo", start, end, log_type, urgent=urgent
        )

    async def _logs(
        self,
        kind: str,
        loop: str,
        start: datetime,
        end: datetime,
        log_type: int,
        *,
        urgent: bool = False,
    ) -> list[LogEntry]:
        for field, moment in (("start", start), ("end", end)):
            if not isinstance(moment, datetime):
                raise invalid(field, "must be a date and time", "date")
            if moment.replace(tzinfo=None) < LOG_MINIMUM:
                raise invalid(field, "must be 1971 or later", "log_minimum")
        if end < start:
            raise invalid("end", "must not be before start", "log_order")
        check_int("log_type", log_type, -1)  # "Use -1 for all logs"
        try:
            block = await self._get(
                "param.cgi",
                kind,
                ("startTime", start.strftime("%Y%m%d%H%M%S")),
                ("endTime", end.strftime("%Y%m%d%H%M%S")),
                ("logType", str(log_type)),
                urgent=urgent,
            )
        except ExcelSenseResponseError as err:
            # A camera may answer an empty time range with "-311 No results
            # found" rather than a count of 0: no entries, not a failure.
            if err.code == NO_RESULTS:
                return []
            raise
        return [LogEntry.from_block(entry) for entry in block.loop(loop)]
