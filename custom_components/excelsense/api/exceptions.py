"""Exceptions raised by the ExcelSense client.

ExcelSenseError
 +-- ExcelSenseConnectionError           transport problems
 |    +-- ExcelSenseTimeoutError
 +-- ExcelSenseResponseError(code, msg)  the device answered with an error or nonsense
 |    +-- ExcelSenseAuthenticationError  -507, -508, HTTP 401
 |    |    +-- ExcelSenseLoginPausedError  not sent after a refused login
 |    +-- ExcelSensePermissionError      -512
 |    +-- ExcelSenseInvalidParameterError -23 (-507 to an account command)
 |    +-- ExcelSenseNotSupportedError    -21, -22: the firmware lacks the request
 |    |                                  (ONVIF: no device or event service)
 |    +-- ExcelSenseBusyError            -505, -511
 |    +-- ExcelSenseSubscriptionLostError  ONVIF: the pull-point subscription is gone
 +-- ExcelSenseValidationError(field)    refused before anything was sent
 +-- ExcelSenseAlarmOperationError(step) a self-clean / LED operation failed
 +-- ExcelSenseShutdownError             refused: the client was shut down

No message ever contains a password or a URL with one.
"""

from __future__ import annotations

# The error table from the end of the vendor's API document.
ERROR_MESSAGES: dict[int, str] = {
    -2: "Insufficient memory",
    -3: "Invalid handle",
    -4: "Null pointer detected",
    -5: "Invalid function reference",
    -6: "System environment error",
    -7: "Program load format error",
    -8: "Invalid program load parameters",
    -9: "Device or data not ready",
    -10: "Invalid data length",
    -11: "Thread already running",
    -12: "Thread initialization failed",
    -13: "Queue full",
    -14: "Queue empty",
    -15: "System timeout",
    -16: "Resource not found",
    -17: "SSL encryption not required",
    -18: "SSL encryption required",
    -19: "SSL handshake timeout",
    -20: "SSL connection timeout",
    -21: "Invalid CGI program name",
    -22: "CGI subtype not found",
    -23: "Invalid CGI parameters",
    -101: "File not found",
    -102: "Directory not found",
    -103: "Error opening disk",
    -104: "Error reading from disk",
    -105: "Error writing to disk",
    -106: "Error seeking file location",
    -107: "Reached end of disk",
    -108: "Insufficient disk space",
    -109: "Disk not found",
    -110: "Disk is write-protected",
    -112: "Disk is not formatted",
    -113: "General disk error",
    -150: "Error opening serial port",
    -151: "Error reading from serial port",
    -152: "Error writing to serial port",
    -201: "Socket not initialized",
    -202: "Socket creation failed",
    -203: "Socket bind failed",
    -204: "Server connection failed",
    -205: "Server connection timeout",
    -206: "Socket listen failed",
    -207: "Client connection accept failed",
    -208: "Connection accept timeout",
    -209: "Network disconnected",
    -210: "Socket send failed",
    -211: "Send operation timed out",
    -212: "Error receiving data",
    -213: "Receive operation timed out",
    -214: "Error retrieving socket address",
    -215: "Error retrieving socket options",
    -216: "Failed to retrieve socket configuration",
    -217: "Network protocol not supported",
    -218: "Port already in use",
    -230: "Failed to create data packet",
    -231: "Packet header analysis failed",
    -232: "Failed to create packet header",
    -233: "Packet payload analysis failed",
    -234: "Failed to create packet payload",
    -235: "RTP extension field error",
    -236: "Data compression failed",
    -301: "Error opening database",
    -302: "Error closing database",
    -303: "Failed to start transaction",
    -304: "Transaction rollback failed",
    -305: "Transaction commit failed",
    -306: "Data insertion failed",
    -307: "Data deletion failed",
    -308: "Data update failed",
    -309: "Database query failed",
    -310: "Invalid query conditions",
    -311: "No results found",
    -401: "Unknown command",
    -402: "Command header parsing failed",
    -403: "Failed to create command header",
    -404: "Command payload parsing failed",
    -405: "Failed to create command payload",
    -406: "Invalid command version",
    -501: "Unexpected response received",
    -502: "Remote device processing error",
    -503: "Device not open",
    -504: "Failed to open device",
    -505: "Device busy",
    -506: "Device not supported",
    -507: "Invalid username",
    -508: "Invalid login command",
    -509: "ADSL dial-up failed",
    -510: "Serial port exclusively locked",
    -511: "Maximum connections reached",
    -512: "Insufficient permissions",
    -513: "Device not configured",
    -550: "Video session ended",
    -551: "Video thread ended",
    -552: "Failed to create DirectShow video component",
    -553: "Failed to create DirectShow video component",
    -601: "Audio session ended",
    -602: "Audio thread ended",
    -603: "Failed to create DirectShow audio component",
    -604: "DirectShow audio operation failed",
    -605: "Failed to initialize DirectDraw",
    -606: "Decoder initialization failed",
    -607: "Decoding failed",
}

AUTH_ERROR_CODES = frozenset({-507, -508})
PERMISSION_ERROR_CODES = frozenset({-512})
INVALID_PARAMETER_CODES = frozenset({-23})
# "-21 Invalid CGI program name" and "-22 CGI subtype not found": the firmware
# lacks what was asked for (a group it does not have), not a bad value.
NOT_SUPPORTED_CODES = frozenset({-21, -22})
BUSY_ERROR_CODES = frozenset({-505, -511})


class ExcelSenseError(Exception):
    """Base of every error the client raises."""


class ExcelSenseConnectionError(ExcelSenseError):
    """The device could not be reached or the transfer broke off.

    ``request_sent`` is False only when the connection never opened, so the
    device cannot have seen the request.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        """Keep whether the request may have reached the device."""
        self.request_sent = request_sent
        super().__init__(message)


class ExcelSenseTimeoutError(ExcelSenseConnectionError):
    """The device did not answer in time."""


class ExcelSenseResponseError(ExcelSenseError):
    """The device answered with an error code or a reply we cannot use."""

    def __init__(self, code: int | None, message: str) -> None:
        """Keep the device's error code (None when the reply had none)."""
        self.code = code
        self.message = message
        super().__init__(f"{message} ({code})" if code is not None else message)


class ExcelSenseHttpStatusError(ExcelSenseResponseError):
    """The web server answered with an HTTP status other than 200 (a 404, a 503).

    Not the camera's own answer: another device at the address, or a web
    server whose CGI is down.
    """


class ExcelSenseHttpsRequiredError(ExcelSenseResponseError):
    """The camera answered plain HTTP with a redirect to HTTPS.

    Its web server is set up for HTTPS only: the entry needs HTTPS turned on.
    (The redirect's address is never kept: it may repeat the request's
    query, password included.)
    """


class ExcelSenseAuthenticationError(ExcelSenseResponseError):
    """The username or password was refused."""


class ExcelSenseLoginPausedError(ExcelSenseAuthenticationError):
    """Not sent: the camera refused the login, and it is not asked again yet."""


class ExcelSensePermissionError(ExcelSenseResponseError):
    """The user may log in but may not do this."""


class ExcelSenseInvalidParameterError(ExcelSenseResponseError):
    """The device refused a request type or its parameters."""


class ExcelSenseNotSupportedError(ExcelSenseResponseError):
    """The firmware lacks the requested CGI or type (-21, -22)."""


class ExcelSenseNotOnvifError(ExcelSenseNotSupportedError):
    """A web server answered where the ONVIF device service should be.

    A page, a redirect (to a login, or to HTTPS), POST not allowed: no ONVIF
    there, or not at the moment (a camera restarting its ONVIF service).
    """


class ExcelSenseOnvifHttpsOnlyError(
    ExcelSenseNotOnvifError, ExcelSenseHttpsRequiredError
):
    """The ONVIF address sends plain HTTP on to HTTPS: ONVIF over HTTPS only."""


class ExcelSenseBusyError(ExcelSenseResponseError):
    """The device is busy or out of connections (retried before raising)."""


class ExcelSenseSubscriptionLostError(ExcelSenseResponseError):
    """The camera no longer knows the ONVIF pull-point subscription.

    It expired, was dropped (the camera restarted) or its address is unknown:
    subscribe again.
    """


class ExcelSenseValidationError(ExcelSenseError, ValueError):
    """A value was refused before sending anything to the device.

    ``reason`` names the rule in a word a caller can translate (``range``,
    ``forbidden``, ...), ``details`` its values (``low``, ``characters``...);
    ``message`` says it in English.
    """

    def __init__(
        self,
        field: str,
        message: str,
        *,
        reason: str = "invalid",
        details: dict[str, str] | None = None,
    ) -> None:
        """Name the offending field and the rule it broke."""
        self.field = field
        self.message = message
        self.reason = reason
        self.details = details or {}
        super().__init__(f"{field}: {message}")


class ExcelSenseAlarmOperationError(ExcelSenseError):
    """A self-clean or LED operation failed at one of its steps.

    ``restored`` tells whether the alarm output is known to be back in the
    self-clean profile; the original error is the ``__cause__``.
    """

    def __init__(self, step: str, *, restored: bool, reason: str) -> None:
        """Record the failed step and whether the output was restored."""
        self.step = step
        self.restored = restored
        super().__init__(f"Alarm operation failed at {step}: {reason}")


class ExcelSenseShutdownError(ExcelSenseError):
    """The client was shut down: it starts no new alarm-output operation."""


def error_for_code(code: int) -> ExcelSenseResponseError:
    """Build the typed exception for a device error code."""
    message = ERROR_MESSAGES.get(code, "Unknown error")
    if code in AUTH_ERROR_CODES:
        return ExcelSenseAuthenticationError(code, message)
    if code in PERMISSION_ERROR_CODES:
        return ExcelSensePermissionError(code, message)
    if code in INVALID_PARAMETER_CODES:
        return ExcelSenseInvalidParameterError(code, message)
    if code in NOT_SUPPORTED_CODES:
        return ExcelSenseNotSupportedError(code, message)
    if code in BUSY_ERROR_CODES:
        return ExcelSenseBusyError(code, message)
    return ExcelSenseResponseError(code, message)
