"""Stateful HTTP emulator of ExcelSense IP cameras (ToughEye-1700, ToughCam-1000).

Start one with ``async with EmulatedCamera() as cam:`` and point a client at
``cam.url``; see ``device`` for the state model and ``server`` for faults.
"""

from .device import (
    SELF_CLEAN_PROFILE,
    AlarmOutProfile,
    Device,
    DeviceState,
    LogEntry,
    Pulse,
    Quirks,
    Section,
    User,
)
from .server import (
    EmulatedCamera,
    Fault,
    ManualClock,
    RequestRecord,
    offset_mac,
    start_many,
)

__all__ = [
    "SELF_CLEAN_PROFILE",
    "AlarmOutProfile",
    "Device",
    "DeviceState",
    "EmulatedCamera",
    "Fault",
    "LogEntry",
    "ManualClock",
    "Pulse",
    "Quirks",
    "RequestRecord",
    "Section",
    "User",
    "offset_mac",
    "start_many",
]
