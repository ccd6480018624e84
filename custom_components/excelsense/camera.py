"""Camera entities: one per stream, stills from image.cgi, RTSP and MJPEG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.camera import (
    Camera,
    CameraEntityDescription,
    CameraEntityFeature,
)
from homeassistant.helpers.aiohttp_client import async_aiohttp_proxy_web

from .api import ExcelSenseError, VideoEncoder
from .const import LOGGER
from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription
from .groups import Group
from .helpers import excelsense_command
from .options import ExcelSenseOptions

if TYPE_CHECKING:
    from aiohttp import ClientResponse, web
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry
    from .snapshot import SnapshotSource

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ExcelSenseCameraDescription(ExcelSenseEntityDescription, CameraEntityDescription):
    """A stream of the camera (the main entity follows the motion settings)."""


# The main entity reads the motion settings for motion_detection_enabled.
MAIN_STREAM = ExcelSenseCameraDescription(key="camera", name=None, group=Group.MOTION)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One camera entity per stream; sub-streams start disabled."""
    coordinator = entry.runtime_data.coordinator
    snapshots = entry.runtime_data.snapshots
    main = MAIN_STREAM
    if not coordinator.supports(Group.MOTION):
        main = ExcelSenseCameraDescription(key="camera", name=None)
    entities = [ExcelSenseCamera(coordinator, snapshots, main, stream_id=None)]
    entities.extend(
        ExcelSenseCamera(
            coordinator,
            snapshots,
            ExcelSenseCameraDescription(
                key=f"stream_{stream_id}",
                translation_key="stream",
                translation_placeholders={"stream": str(stream_id)},
                entity_registry_enabled_default=False,
            ),
            stream_id=stream_id,
        )
        for stream_id in coordinator.static.stream_ids
        if stream_id != 1
    )
    async_add_entities(entities)


class ExcelSenseCamera(ExcelSenseEntity[ExcelSenseCoordinator], Camera):
    """A stream of the camera.

    The main entity (named after the device) plays the stream chosen in the
    options (the main stream unless changed); the others play their own.
    """

    _attr_supported_features = CameraEntityFeature.STREAM
    _attr_brand = "ExcelSense"

    def __init__(
        self,
        coordinator: ExcelSenseCoordinator,
        snapshots: SnapshotSource,
        description: ExcelSenseCameraDescription,
        *,
        stream_id: int | None,
    ) -> None:
        """Set up one stream."""
        ExcelSenseEntity.__init__(self, coordinator, description)
        Camera.__init__(self)
        self._snapshots = snapshots
        self._fixed_stream = stream_id
        self._stream_urls: dict[tuple[int, int], str] = {}
        self._attr_model = coordinator.static.device_info.product_model or None

    @property
    def available(self) -> bool:
        """Available while the camera answers (motion settings or not)."""
        return self.coordinator.last_update_success

    @property
    def _options(self) -> ExcelSenseOptions:
        return ExcelSenseOptions.from_config_entry(self.coordinator.config_entry)

    @property
    def stream_id(self) -> int:
        """The stream this entity plays."""
        if self._fixed_stream is not None:
            return self._fixed_stream
        return self._options.live_view_stream

    @property
    def command_group(self) -> Group:
        """Motion detection is what the camera's commands change."""
        return Group.MOTION

    @property
    def motion_detection_enabled(self) -> bool:
        """Whether the camera's motion detection is on (main entity only)."""
        motion = self.coordinator.data.motion
        return bool(self.group is Group.MOTION and motion and motion.enabled)

    @property
    def extra_state_attributes(self) -> dict[str, object]:
        """Which stream is played (never a URL: it would carry credentials)."""
        return {"stream_id": self.stream_id}

    @excelsense_command
    async def async_enable_motion_detection(self) -> None:
        """Turn the camera's motion detection on."""
        await self.coordinator.client.set_motion_alarm(enabled=True)

    @excelsense_command
    async def async_disable_motion_detection(self) -> None:
        """Turn the camera's motion detection off."""
        await self.coordinator.client.set_motion_alarm(enabled=False)

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """A still from image.cgi, shared with concurrent requests."""
        try:
            return await self._snapshots.get(self._options.snapshot_quality)
        except ExcelSenseError as err:
            LOGGER.debug("Snapshot of %s failed: %s", self.entity_id, err)
            return None

    async def _encoder(self, stream_id: int) -> int:
        """The stream's encoder, for video.cgi's EncoderType."""
        stream = self.coordinator.data.stream(stream_id)
        if stream is None:
            try:
                stream = await self.coordinator.client.av_stream(stream_id)
            except ExcelSenseError as err:
                LOGGER.debug("Encoder of %s unknown: %s", self.entity_id, err)
                return VideoEncoder.H264
        return stream.video_encoder

    async def stream_source(self) -> str | None:
        """RTSP URL with the configured host, RTSP port and quoted credentials."""
        self.stream_options["rtsp_transport"] = self._options.rtsp_transport
        stream_id = self.stream_id
        key = (stream_id, await self._encoder(stream_id))
        if key not in self._stream_urls:
            try:
                url = await self.coordinator.client.rtsp_url(
                    stream_id,
                    rtsp_port=self.coordinator.static.rtsp_port,
                    encoder=key[1],
                )
            except ExcelSenseError as err:
                LOGGER.debug("No stream source for %s: %s", self.entity_id, err)
                return None
            # Per stream and encoder (the URL is asked for with the encoder);
            # otherwise it only changes when the camera is reconfigured, which
            # reloads the entry and this entity with it.
            self._stream_urls[key] = url.url
        return self._stream_urls[key]

    async def handle_async_mjpeg_stream(
        self, request: web.Request
    ) -> web.StreamResponse | None:
        """Proxy the camera's own MJPEG stream (falls back to stills)."""
        try:
            response = await self.coordinator.client.open_mjpeg_stream(self.stream_id)
        except ExcelSenseError as err:
            LOGGER.debug("No MJPEG stream for %s: %s", self.entity_id, err)
            return await super().handle_async_mjpeg_stream(request)

        async def opened() -> ClientResponse:
            return response

        return await async_aiohttp_proxy_web(self.hass, request, opened())
