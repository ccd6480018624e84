"""Constants of the ExcelSense integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "excelsense"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "ExcelSense"

CONF_VERIFY_SSL: Final = "verify_ssl"
CONF_SNAPSHOT_QUALITY: Final = "snapshot_quality"
CONF_LIVE_VIEW_STREAM: Final = "live_view_stream"
CONF_RTSP_TRANSPORT: Final = "rtsp_transport"
CONF_MOTION_CHECK_INTERVAL: Final = "motion_check_interval"
CONF_MOTION_SOURCE: Final = "motion_source"
# What is stored per camera (formatted with the entry id), removed with the
# entry: the alarm-log entries already reported, the lens baselines.
ALARM_LOG_STORAGE_KEY: Final = f"{DOMAIN}.alarm_log.{{}}"
LENS_STORAGE_KEY: Final = f"{DOMAIN}.lens.{{}}"

DEFAULT_PORT: Final = 80
DEFAULT_SNAPSHOT_QUALITY: Final = 9
DEFAULT_LIVE_VIEW_STREAM: Final = 1
DEFAULT_RTSP_TRANSPORT: Final = "tcp"
RTSP_TRANSPORTS: Final = ("tcp", "udp", "udp_multicast", "http")
# Where motion comes from: the camera's ONVIF events when it has them (the
# alarm log otherwise), or one of the two by choice.
MOTION_SOURCE_AUTO: Final = "auto"
MOTION_SOURCE_ONVIF: Final = "onvif"
MOTION_SOURCE_ALARM_LOG: Final = "alarm_log"
MOTION_SOURCES: Final = (
    MOTION_SOURCE_AUTO,
    MOTION_SOURCE_ONVIF,
    MOTION_SOURCE_ALARM_LOG,
)
DEFAULT_MOTION_SOURCE: Final = MOTION_SOURCE_AUTO
# Without pushed events, the alarm log is checked this often (s).
DEFAULT_MOTION_CHECK_INTERVAL: Final = 5
MOTION_CHECK_INTERVAL_RANGE: Final = (2, 60)

# The coordinator wakes this often; each group is read on its own cadence
# (groups.py): the alarm-output guard every time, disks and settings rarely.
POLL_INTERVAL: Final = timedelta(seconds=30)
# How long one request may take before the camera counts as not answering.
REQUEST_TIMEOUT: Final = 10.0
# How long unloading or stopping waits for a running self-clean/LED operation.
OPERATION_STOP_WAIT: Final = 60.0

ISSUE_ALARM_OUTPUT: Final = "alarm_output_misconfigured"
ISSUE_WRONG_DEVICE: Final = "wrong_device"

CONF_LENS_INTERVAL: Final = "lens_sampling_interval"
CONF_AUTO_CLEAN_MAX_PER_DAY: Final = "auto_clean_max_per_day"
# Lens clarity changes over hours; a snapshot every 15 minutes costs nothing.
DEFAULT_LENS_INTERVAL: Final = 15
DEFAULT_AUTO_CLEAN_MAX_PER_DAY: Final = 4
ISSUE_LENS_NOT_IMPROVING: Final = "lens_not_improving"
