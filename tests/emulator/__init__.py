"""Stateful HTTP emulator of ExcelSense IP cameras (ToughEye-1700, ToughCam-1000).

Start one with ``async with EmulatedCamera() as cam:`` and point a client at
``cam.url``; see ``device`` for the state model and ``server`` for faults.

The camera also speaks ONVIF on the same port (``onvif``: device service at
``/onvif/device_service``, event service with pull points; ``pullpoint`` and
``soap`` hold the event and SOAP rules).  ``cam.onvif_quirks`` switches the
firmware variants (``OnvifQuirks``), ``cam.onvif_subscriptions`` counts live
pull points, ``cam.drop_onvif_subscriptions()`` loses them and
``cam.set_image_too_blurry(True)`` raises the non-motion topic; motion
(``cam.trigger_motion``) reaches every pull point.
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
from .onvif import OnvifQuirks
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
    "OnvifQuirks",
    "Pulse",
    "Quirks",
    "RequestRecord",
    "Section",
    "User",
    "offset_mac",
    "start_many",
]
