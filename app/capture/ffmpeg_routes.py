"""Backend "ffmpeg": one backend, three routes, picked by the mode.

- the screen (a rectangle, a window, the TDW window) and/or a sound source: app.capture.ffmpeg_screen;
- TDW's own frames piped in: app.capture.frame_pipe;
- TDW's own frames + live sound on one wall clock: app.capture.timed_frames;
- a dataset (several cameras, passes) from TDW's own frames: app.capture.dataset.
"""

from __future__ import annotations

from app.capture.base import CaptureContext, Recorder
from app.model.dataset import is_dataset


def create(context: CaptureContext) -> Recorder:
    plan, s = context.plan, context.plan.settings
    if s.mode != "video-frames":
        from app.capture.ffmpeg_screen import FfmpegScreenRecorder

        return FfmpegScreenRecorder(plan, context.output, env=context.env, region=context.region,
                                    window_id=context.window_id)
    if is_dataset(s.cameras, s.passes):
        from app.capture.dataset import DatasetRecorder

        return DatasetRecorder(plan.ffmpeg.path, context.output, s.encoding, float(s.fps), env=context.env)
    if plan.audio_source:
        from app.capture.timed_frames import TimedFramePipeRecorder

        assert context.choose_audio is not None, "frames + sound choose their source at the first frame"
        return TimedFramePipeRecorder(
            plan.ffmpeg.path, context.output, s.encoding, float(s.fps), context.choose_audio, env=context.env,
            platform=s.platform, audio_offset=plan.audio_offset_s, on_listening=context.on_listening)
    from app.capture.frame_pipe import FramePipeRecorder

    return FramePipeRecorder(plan.ffmpeg.path, context.output, s.encoding, float(s.fps))
