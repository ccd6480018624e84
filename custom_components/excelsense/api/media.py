"""Media and overlay: OSD, image settings, streams, stills, RTSP and MJPEG."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import aiohttp
from yarl import URL

from . import kv
from .area import Area, Changes, integer
from .exceptions import (
    ExcelSenseAuthenticationError,
    ExcelSenseConnectionError,
    ExcelSenseResponseError,
    ExcelSenseTimeoutError,
)
from .models import (
    AudioEncoder,
    AVStream,
    ImageSetting,
    Mirror,
    OSDCanvas,
    OSDCanvases,
    OSDInfo,
    OSDSettings,
    OSDType,
    StreamAbility,
    StreamUrl,
    VideoEncoder,
)
from .transport import TEXT_REPLY_LIMIT, check_reply, read_capped
from .validation import (
    check_choice,
    check_int,
    check_name_text,
    check_number,
    check_resolution,
    invalid,
)

# OSD time watermark formats the document lists (spaces as in its set example;
# its get example answers them without spaces).
OSD_TIME_FORMATS = frozenset(
    {
        "YYYY-MM-DD hh:mm:ss ww",
        "hh:mm:ss YYYY-MM-DD ww",
        "MM/DD/YYYY hh:mm:ss ww",
        "hh:mm:ss MM/DD/YYYY ww",
    }
)
_OSD_TIME_FORMATS_BARE = frozenset("".join(fmt.split()) for fmt in OSD_TIME_FORMATS)
# "OSDInfoEnd ... Required and = 1 for set", likewise OSDCanvasEnd.
_END_ONE_ON_SET = ("OSDCanvas", "OSDInfo")
# video.cgi's EncoderType for each stream encoder.
_RTSP_ENCODER: dict[int, str] = {
    VideoEncoder.H264: "H264",
    VideoEncoder.H264_MAIN: "H264",
    VideoEncoder.H264_HIGH: "H264",
    VideoEncoder.H265_MAIN: "H265",
    VideoEncoder.MJPEG: "MJPEG",
}


def _percent(field: str, value: float) -> str:
    """topX/topY: "percentage of total width (0-100)", sent back unmoved.

    A whole number goes as the set example writes it (topX=0); a fraction
    the camera reported (its get example answers topX=0.000000) goes back in
    that six-decimal form rather than rounded, so re-sending a canvas does
    not move it.
    """
    number = check_number(field, value, 0, 100)
    return str(int(number)) if number.is_integer() else f"{number:.6f}"


class MediaArea(Area):
    """param.cgi OSD and AVStream, sensor.cgi, video.cgi and image.cgi."""

    async def osd(self, camera_id: int = 1) -> OSDSettings:
        """Global OSD settings."""
        block = await self._get("param.cgi", "OSD", ("cameraID", str(camera_id)))
        return OSDSettings.from_block(block)

    async def set_osd(
        self,
        *,
        camera_id: int = 1,
        font_color: int | None = None,
        inverse: bool | None = None,
        alpha: int | None = None,
    ) -> None:
        """Change global OSD settings (only the given fields are sent)."""
        changes = Changes("osd", cameraID=camera_id)
        changes.field(
            "fontColor", font_color, lambda v: check_int("font_color", v, 0, 9)
        )
        changes.field("inverseFlag", inverse)
        # The document: alpha 0 "is only returned by get and is invalid for set".
        changes.field("alpha", alpha, lambda v: check_int("alpha", v, 1, 4))
        await self._set("param.cgi", "OSD", changes.encoded())

    async def osd_canvases(self, camera_id: int = 1) -> OSDCanvases:
        """Every OSD canvas of a camera."""
        block = await self._get("param.cgi", "OSDCanvas", ("cameraID", str(camera_id)))
        return OSDCanvases.from_block(block)

    async def set_osd_canvas(
        self, canvas: OSDCanvas, *, camera_id: int = 1, action: str = "cover"
    ) -> None:
        """Set one canvas's position and its one entry, as the document's set does.

        The document's set carries one OSDInfo per canvas with "OSDInfoEnd ...
        Required and = 1 for set" (and OSDCanvasEnd likewise); ``action`` is
        its OSDInfoAction (cover, add, remove). A font size of 0 "is only
        returned by get and is invalid for set": it is left out.
        """
        check_int("canvas_id", canvas.canvas_id, 1, 8)
        check_choice("align_mode", canvas.align_mode, (0, 1))
        if action not in ("cover", "add", "remove"):
            raise invalid("action", "must be cover, add or remove")
        if len(canvas.infos) != 1:
            raise invalid("infos", "a canvas is set with exactly one entry")
        values: dict[str, object] = {
            "canvasID": canvas.canvas_id,
            "topX": _percent("top_x", canvas.top_x),
            "topY": _percent("top_y", canvas.top_y),
        }
        if canvas.font_size:
            values["fontSize"] = check_int("font_size", canvas.font_size, 1, 3)
        values["alignMode"] = canvas.align_mode
        values["OSDInfoAction"] = action
        entry = kv.block(values, OSDInfo=[_osd_info_block(canvas.infos[0])])
        params = kv.serialize(
            {"cameraID": camera_id}, {"OSDCanvas": [entry]}, end_one=_END_ONE_ON_SET
        )
        await self._set("param.cgi", "OSDCanvas", params)

    async def image_setting(self, setting: ImageSetting) -> int:
        """Brightness, contrast, hue, saturation or sharpness (0-100)."""
        block = await self._get("sensor.cgi", str(setting))
        return integer(block, str(setting), "value")

    async def set_image_setting(self, setting: ImageSetting, value: int) -> None:
        """Set brightness, contrast, hue, saturation or sharpness ("Range: 0-100")."""
        check_int(str(setting), value, 0, 100)
        await self._set("sensor.cgi", str(setting), [("value", str(value))])

    async def mirror(self) -> Mirror:
        """Vertical and horizontal flip."""
        return Mirror.from_block(await self._get("sensor.cgi", "mirror"))

    async def set_mirror(self, *, vertical: bool, horizontal: bool) -> None:
        """Set both flips (the document's set carries both)."""
        params = kv.serialize({"vertical": vertical, "horizontal": horizontal})
        await self._set("sensor.cgi", "mirror", params)

    async def av_stream(self, stream_id: int, camera_id: int = 1) -> AVStream:
        """Encoder settings of one stream."""
        block = await self._get(
            "param.cgi",
            "AVStream",
            ("cameraID", str(camera_id)),
            ("streamID", str(stream_id)),
        )
        return AVStream.from_block(block, stream_id)

    async def set_av_stream(  # noqa: PLR0913 - one argument per device field
        self,
        stream_id: int,
        *,
        camera_id: int = 1,
        video_encoder: int | None = None,
        audio_encoder: int | None = None,
        resolution: str | None = None,
        frame_rate: int | None = None,
        i_frame_interval: int | None = None,
        bit_rate_type: int | None = None,
        bit_rate: int | None = None,
        quality: int | None = None,
    ) -> None:
        """Change encoder settings of one stream (only the given fields are sent).

        Frame rate and bit rate ranges "depend on device": the camera decides.
        """
        changes = Changes("stream", cameraID=camera_id, streamID=stream_id)
        changes.field(
            "videoEncoderType",
            video_encoder,
            lambda v: check_choice("video_encoder", v, list(VideoEncoder)),
        )
        changes.field(
            "audioEncoderType",
            audio_encoder,
            lambda v: check_choice("audio_encoder", v, list(AudioEncoder)),
        )
        changes.field(
            "resolution", resolution, lambda v: check_resolution("resolution", v)
        )
        changes.field("frameRate", frame_rate, lambda v: check_int("frame_rate", v, 1))
        changes.field(
            "iFrameInterval",
            i_frame_interval,
            lambda v: check_int("i_frame_interval", v, 1, 45),
        )
        changes.field(
            "bitRateType",
            bit_rate_type,
            lambda v: check_choice("bit_rate_type", v, (1, 2)),
        )
        changes.field("bitRate", bit_rate, lambda v: check_int("bit_rate", v, 1))
        changes.field("quality", quality, lambda v: check_int("quality", v, 1, 9))
        await self._set("param.cgi", "AVStream", changes.encoded())

    async def stream_ability(self, camera_id: int = 1) -> StreamAbility:
        """Which encoders and resolutions every stream offers."""
        block = await self._get(
            "param.cgi", "streamAbility", ("cameraID", str(camera_id))
        )
        return StreamAbility.from_block(block)

    async def rtsp_url(
        self,
        stream_id: int = 1,
        *,
        camera_id: int = 1,
        rtsp_port: int | None = None,
        encoder: int = VideoEncoder.H264,
    ) -> StreamUrl:
        """The RTSP URL of a stream, pointed at the host we reach the device on.

        ``encoder`` is the stream's videoEncoderType, sent as video.cgi's
        EncoderType (H264, H265 or MJPEG). The device names its own view of
        its IP (wrong behind NAT) and may pad the URL with whitespace; the path
        (with any token segment) is kept, the host and RTSP port replaced,
        credentials quoted into the authority.
        """
        params = [
            ("type", "RTSP"),
            ("cameraID", str(camera_id)),
            ("streamID", str(stream_id)),
            ("EncoderType", _RTSP_ENCODER.get(encoder, "H264")),
        ]
        body = await self._request("video.cgi", params, "text")
        reported = "".join(body.decode("utf-8", errors="replace").split())
        if not reported.lower().startswith("rtsp://"):
            msg = "Reply to video.cgi is not an RTSP URL"
            raise ExcelSenseResponseError(None, msg)
        try:
            parsed = URL(reported)
            path = parsed.raw_path
            port = rtsp_port or parsed.explicit_port or 554
        except ValueError:
            msg = "Reply to video.cgi is not a valid RTSP URL"
            raise ExcelSenseResponseError(None, msg) from None
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?{parsed.raw_query_string}" if parsed.raw_query_string else ""
        user = quote(self.username, safe="")
        secret = quote(self.password, safe="")
        return StreamUrl(
            url=f"rtsp://{user}:{secret}@{host}:{port}{path}{query}",
            redacted=f"rtsp://{user}:***@{host}:{port}{path}{query}",
        )

    async def snapshot(self, quality: int = 9, camera_id: int = 1) -> bytes:
        """A JPEG snapshot ("quality (1-9). 1 is lowest, 9 is highest")."""
        check_int("quality", quality, 1, 9)
        params = [("cameraID", str(camera_id)), ("quality", str(quality))]
        return await self._request("image.cgi", params, "image")

    async def open_mjpeg_stream(
        self, stream_id: int = 1, camera_id: int = 1
    ) -> aiohttp.ClientResponse:
        """Open the HTTP (MJPEG) live stream; the caller reads and closes it.

        Not bounded by the request limit: a live view lasts as long as it is
        watched and must not starve polling. Past the login gate like every
        request: a view opened after a refused login sends no password.
        """
        gate = self._transport.gate
        probe = gate.enter()
        try:
            response = await self._open_mjpeg(stream_id, camera_id)
        except ExcelSenseAuthenticationError:
            gate.refused()
            raise
        except BaseException:
            gate.unanswered(probe=probe)
            raise
        gate.accepted()
        return response

    async def _open_mjpeg(
        self, stream_id: int, camera_id: int
    ) -> aiohttp.ClientResponse:
        url = self._transport.url(
            "video.cgi",
            [
                ("type", "HTTP"),
                ("cameraID", str(camera_id)),
                ("streamID", str(stream_id)),
                ("EncoderType", "MJPEG"),
                ("AudioFlag", "0"),
            ],
        )
        try:
            async with asyncio.timeout(self.request_timeout):
                if self._transport.session.closed:
                    msg = f"HTTP session closed, not sent to {self.host}"
                    raise ExcelSenseConnectionError(msg, request_sent=False)
                # A live view lasts as long as it is watched: only connecting
                # is bounded, not the session's total timeout.
                response = await self._transport.session.get(
                    url,
                    ssl=self._transport.ssl(),
                    allow_redirects=False,  # the query carries the password
                    timeout=aiohttp.ClientTimeout(
                        total=None, sock_connect=self.request_timeout
                    ),
                )
                if response.content_type.startswith("multipart/"):
                    return response
                async with response:
                    body = await read_capped(response, TEXT_REPLY_LIMIT, "video.cgi")
        except TimeoutError:
            msg = f"Timeout opening the live stream of {self.host}"
            raise ExcelSenseTimeoutError(msg) from None
        except (aiohttp.ClientError, OSError, RuntimeError) as err:
            msg = f"Error opening the live stream of {self.host}: {type(err).__name__}"
            raise ExcelSenseConnectionError(msg) from None
        check_reply(body, response.status, response.content_type, "ok", "video.cgi")
        msg = "Live stream reply is not multipart"
        raise ExcelSenseResponseError(None, msg)


def _osd_info_block(info: OSDInfo) -> kv.KVBlock:
    """One OSD entry for a set request (arrowID "must be 0", "Required on set")."""
    check_int("osd_type", info.osd_type, 1, 5)
    values: dict[str, object] = {"arrowID": 0, "OSDEnableFlag": info.enabled}
    if info.blink:
        values["OSDBlinkFlag"] = True
        # "OSD blink interval in seconds (>= 1)", an unsigned char.
        values["OSDBlinkInterval"] = check_int(
            "blink_interval", info.blink_interval or 1, 1, 255
        )
    values["OSDType"] = info.osd_type
    # The document: info is "Valid only for text or time watermark"; its
    # forbidden characters are stated for the text watermark, and the time
    # formats use "/" themselves.
    if info.osd_type == OSDType.TEXT:
        values["info"] = check_name_text("info", info.info)
    elif info.osd_type == OSDType.TIME:
        if "".join(info.info.split()) not in _OSD_TIME_FORMATS_BARE:
            raise invalid("info", "must be one of the camera's time formats")
        values["info"] = info.info
    return kv.block(values)
