"""Pure builders for every ffmpeg command line, per platform; tested as exact lists.

The graph is built with ffmpeg-python (`get_args()`); the binary and global flags are put in front by
`_command`, since ffmpeg-python appends global flags after the output, where ffmpeg ignores them.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass

import ffmpeg

from app.ffmpeg.encoders import setup as encoder_setup
from app.ffmpeg.levels import meter_filters

from app.model.encoding import Encoding
from app.model.region import Region

# Flags that make a live recording survive `kill -9`: the muxer flushes every packet and MKV closes a
# cluster every second (checked: without them a killed recording left nothing decodable).
CRASH_SAFE_MKV = {"flush_packets": 1, "cluster_time_limit": 500, "cluster_size_limit": 1_000_000}
CRASH_SAFE_MP4 = {"flush_packets": 1, "movflags": "+frag_keyframe+empty_moov+default_base_moof"}

LIVE_QUEUE = 1024  # -thread_queue_size on each live input; smaller lost frames with x11grab + pulse
# x11grab's rate is given (-framerate), so ffmpeg need not estimate it from grabbed frames. By default it
# reads up to 5 MB of them before encoding the first (6 frames at 640x360, 17 at 320x240): 0.2-0.5 s added
# to every start, with nothing gained (checked: the file is 30 fps either way). benchmarks/gui.py toggles it.
LIVE_GRAB_PROBE = {"fpsprobesize": 0}
# With -copyts the picture keeps x11grab's wall-clock stamps. The encoder's default time base is 1/fps, which
# rounds each stamp to a 1/fps grid counted from the epoch: up to half a frame of A/V offset, different in
# every recording (measured: 33 ms apart between runs), and a late grab rounded onto the next one's slot is
# dropped. Milliseconds keep every frame's own time.
WALL_CLOCK_VIDEO = {"enc_time_base:v": "1:1000"}
# The sound's stamps follow the wall clock, its samples follow the sound card's clock, and the two drift apart
# (users of other recorders report 0.5-1 s in 30 minutes). Resampling to the stamps keeps the sound on the
# picture's clock: stretched by at most 100 samples a second (0.2 %, far more than any card's drift and too
# little to hear), so a late read's jitter in the stamps cannot make the pitch wobble; gaps over 0.1 s (the
# sound server stalled) are filled with silence.
WALL_CLOCK_AUDIO = {"async": 100}
PULSE_BLOCK = 1920  # bytes: 10 ms of 48 kHz stereo S16, the PulseAudio block read with a picture (see audio_input)


@dataclass(frozen=True)
class ScreenInput:
    """Where the picture comes from, per platform."""

    platform: str  # "linux", "win32" or "darwin"
    region: Region
    fps: float
    display: str = ":0"  # X11 display
    draw_mouse: bool = True
    windows_device: str = "gdigrab"  # or "dshow" (screen-capture-recorder, as the TDW docs say)
    mac_screen_index: int = 1  # avfoundation index of "Capture screen 0"
    window_id: int | None = None  # X11: grab this window wherever it moves (region x,y are then ignored)
    # the picture is scaled (aspect kept, black borders) into this size: a followed window that changed size
    # goes on into the file at the size it started with (app.capture.window_follow)
    fit_into: tuple[int, int] | None = None


def _progress_flags() -> list[str]:
    return ["-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5"]


def _command(binary: str, stream, overwrite: bool = False, global_args: tuple[str, ...] = (),
             last: tuple[str, ...] = ()) -> list[str]:
    """`last`: output options ffmpeg-python cannot hold (one option given twice), put before the output's name."""
    *args, out = [_own_bytes(arg) for arg in stream.get_args()]
    return [binary, *_progress_flags(), *global_args, "-y" if overwrite else "-n", *args, *last, out]


_STAND_IN = re.compile(r"<tdw-recorder-path:([A-Za-z0-9_=-]*)>")


def _path(path: str) -> str:
    """A file name as the graph may hold it. typed-ffmpeg hashes every node's text as strict UTF-8, so a name with
    bytes that are not UTF-8 (os.fsdecode's surrogates: a folder given on the command line) goes in as a stand-in
    holding its bytes, which _command turns back into the name; subprocess gives ffmpeg the very same bytes."""
    if not any("\udc80" <= c <= "\udcff" for c in path):
        return path
    return f"<tdw-recorder-path:{base64.urlsafe_b64encode(os.fsencode(path)).decode('ascii')}>"


def _own_bytes(arg: str) -> str:
    return _STAND_IN.sub(lambda m: os.fsdecode(base64.urlsafe_b64decode(m.group(1))), arg)


def _fps_text(fps: float) -> str:
    return str(int(fps)) if float(fps).is_integer() else f"{fps:.3f}"


def screen_input(src: ScreenInput, **extra):
    """The ffmpeg input node for a screen region (cropping where the device cannot take a region)."""
    r, rate = src.region, _fps_text(src.fps)
    if src.platform.startswith("linux"):
        if src.window_id is not None:
            extra = {**extra, "window_id": hex(src.window_id)}
            r = type(r)(0, 0, r.width, r.height)
        grab = ffmpeg.input(
            f"{src.display}+{r.x},{r.y}", f="x11grab", framerate=rate, video_size=(r.width, r.height),
            draw_mouse=int(src.draw_mouse), thread_queue_size=LIVE_QUEUE, **LIVE_GRAB_PROBE, **extra,
        )
        if src.fit_into is None or src.fit_into == (r.width, r.height):
            return grab
        width, height = src.fit_into
        return (grab.filter("scale", width, height, force_original_aspect_ratio="decrease", force_divisible_by=2)
                .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2"))
    if src.platform == "win32" and src.windows_device == "dshow":
        stream = ffmpeg.input("video=screen-capture-recorder", f="dshow", framerate=rate, thread_queue_size=LIVE_QUEUE)
        return stream.crop(r.x, r.y, r.width, r.height)
    if src.platform == "win32":
        return ffmpeg.input(
            "desktop", f="gdigrab", framerate=rate, offset_x=r.x, offset_y=r.y, video_size=(r.width, r.height),
            draw_mouse=int(src.draw_mouse), thread_queue_size=LIVE_QUEUE,
        )
    if src.platform == "darwin":
        stream = ffmpeg.input(
            f"{src.mac_screen_index}:none", f="avfoundation", framerate=rate, capture_cursor=int(src.draw_mouse),
            pixel_format="uyvy422", thread_queue_size=LIVE_QUEUE,
        )
        return stream.crop(r.x, r.y, r.width, r.height)
    raise ValueError(f"unsupported platform {src.platform}")


def audio_input(platform: str, source: str, with_picture: bool = True, **extra):
    """The ffmpeg input node for an audio source (PulseAudio, DirectShow or AVFoundation).

    `with_picture=False` (sound alone) reads PulseAudio in 20 ms blocks: nothing to line up with, and half the
    reads of the 10 ms blocks that keep the sound's stamps close to the picture's.
    """
    if platform.startswith("linux"):
        # Each block is stamped with the wall-clock time ffmpeg reads it: the clock x11grab stamps frames with,
        # so -copyts keeps them in step. A block is read once it is full, so its stamp is late by about its
        # length less 7 ms (measured against the sync-check source: 20 ms blocks +13 ms, 10 ms +3 ms, 5 ms
        # -1 ms): 10 ms blocks with a picture. (The pulse input's own stamps, wall clock minus the stream's
        # latency, start 0.75 s early after an idle sink and take ~3 s to settle: measured.)
        block = PULSE_BLOCK if with_picture else 2 * PULSE_BLOCK
        return ffmpeg.input(source, f="pulse", fragment_size=block, use_wallclock_as_timestamps=1,
                            thread_queue_size=LIVE_QUEUE, **extra)
    if platform == "win32":
        return ffmpeg.input(f"audio={source}", f="dshow", thread_queue_size=LIVE_QUEUE, **extra)
    if platform == "darwin":
        return ffmpeg.input(f"none:{source}", f="avfoundation", thread_queue_size=LIVE_QUEUE, **extra)
    raise ValueError(f"unsupported platform {platform}")


def _container_flags(enc: Encoding) -> dict:
    if enc.container == "mp4":
        return {"f": "mp4", **CRASH_SAFE_MP4}
    return {"f": "matroska", **CRASH_SAFE_MKV}


def record_command(
    binary: str,
    out_path: str,
    enc: Encoding,
    video: ScreenInput | None = None,
    audio_source: str | None = None,
    platform: str = "linux",
    duration: float | None = None,
    audio_offset: float = 0.0,
    levels_path: str | None = None,
    more_audio: tuple[str, ...] = (),
) -> list[str]:
    """A live recording of a screen region and/or an audio source into a crash-safe container.

    `more_audio`: further sources, each its own track after the first (every track then titled by its source).

    Audio only is recorded as lossless FLAC in Matroska whatever the container setting: the session
    encodes the chosen audio format once, at the end (app.audio.formats). `audio_offset` (seconds,
    from `tdw-recorder sync-check`) shifts the audio input with -itsoffset when video is recorded too:
    negative moves the sound earlier, correcting audio measured late against the picture.
    """
    titles: tuple[str, ...] = ()
    streams, opts = [], dict(_container_flags(enc) if video is not None else {"f": "matroska", **CRASH_SAFE_MKV})
    # With -copyts an output -t would count from the wall-clock epoch, so each live input gets its own -t.
    synced = video is not None and audio_source is not None and video.platform.startswith("linux")
    limit = {"t": f"{duration:g}"} if duration and synced else {}
    coder = encoder_setup(enc, 2 * max(int(round(video.fps)), 1)) if video is not None else None
    if video is not None and coder is not None:
        streams.append(coder.apply(screen_input(video, **limit)))
        opts.update(coder.output)
        if not synced:
            # a steady N fps file even when the grab runs late on a busy machine (ffmpeg counts the frames it
            # duplicates or drops for that). Not with -copyts: from wall-clock stamps it would fill from 0.
            # Its rate is given (-r): else ffmpeg 5.1 guesses it from x11grab's microsecond stamps, and from 70 fps
            # up (av_guess_frame_rate trusts the stream's average only below 70) it made a million a second of
            # the grab: --fps 75 wrote 520 000 duplicated frames for 1 s.
            opts.update(fps_mode="cfr", r=_fps_text(video.fps))
        platform = video.platform
    if audio_source is not None:
        shift = {"itsoffset": f"{audio_offset:.3f}"} if audio_offset and video is not None else {}
        # Several sound inputs open one after another, and opening one waits until its source delivers (up to 2 s for
        # a sink that plays nothing yet), while the ones opened before it are read already: their own -t would end
        # them that much before the picture. Then only the picture is limited, and its end ends the file (-shortest).
        sound_limit = {} if more_audio else limit
        audio = audio_input(platform, audio_source, video is not None, **sound_limit, **shift)
        audio = audio.filter("aresample", **WALL_CLOCK_AUDIO) if synced else audio
        audio = meter_filters(audio, levels_path) if levels_path else audio  # live level for a meter
        # With the picture, the sound input opens FIRST: opening PulseAudio waits for its first block (up to 2 s
        # from an idle null sink), and x11grab opened before it would then grab that wait's frames in one burst,
        # all with the same time (checked: a 4 s A/V recording kept 63 of 120 frames; 121 with this order).
        tracks = [audio]
        for source in more_audio:
            more = audio_input(platform, source, video is not None, **sound_limit, **shift)
            tracks.append(more.filter("aresample", **WALL_CLOCK_AUDIO) if synced else more)
        streams[0 if synced else len(streams):0 if synced else len(streams)] = tracks
        if more_audio and limit and video is not None:
            opts["shortest"] = None
        if more_audio:  # the title in Matroska; MP4 names a track by its handler, which the remux carries over
            titles = tuple(arg for n, source in enumerate((audio_source, *more_audio))
                           for arg in (f"-metadata:s:a:{n}", f"title={source}", f"-metadata:s:a:{n}", f"handler_name={source}"))
        codec = enc.audio_codec if video is not None else "flac"
        opts.update(acodec=codec, **({"b:a": enc.audio_bitrate} if codec != "flac" else {}))
        if synced:
            opts.update(WALL_CLOCK_VIDEO, copyts=None)  # keep both inputs' wall-clock stamps: see audio_input()
    if duration and not synced:
        opts["t"] = f"{duration:g}"
    # -y: the session has just reserved `out_path` by creating it empty (see app.output.reserve).
    return _command(binary, ffmpeg.output(*streams, _path(out_path), **opts), overwrite=True,
                    global_args=coder.global_args if coder else (), last=titles)


def frame_pipe_command(binary: str, out_path: str, enc: Encoding, fps: float, image_ext: str) -> list[str]:
    """TDW's encoded frames (PNG or JPG bytes, one per rendered frame) from stdin, at the scene's framerate."""
    decoder = "mjpeg" if image_ext in ("jpg", "jpeg") else "png"
    # The codec and rate are known, so no probing: by default ffmpeg would buffer 5 MB of frames (hundreds of
    # small PNGs) before encoding the first, and live status would sit still meanwhile.
    stream = ffmpeg.input("pipe:0", f="image2pipe", framerate=_fps_text(fps), vcodec=decoder, probesize=32,
                          analyzeduration=0)
    coder = encoder_setup(enc, 2 * max(int(round(fps)), 1))
    opts = dict(_container_flags(enc), **coder.output)
    return _command(binary, ffmpeg.output(coder.apply(stream), _path(out_path), **opts), overwrite=True,
                    global_args=coder.global_args)


def timed_frames_command(binary: str, out_path: str, enc: Encoding, fps: float, audio_source: str,
                         platform: str = "linux", audio_offset: float = 0.0, levels_path: str | None = None) -> list[str]:
    """TDW's frames with the wall-clock time each arrived (app.ffmpeg.matroska on stdin) + live sound, one clock.

    Every frame keeps its own time (-fps_mode passthrough) and the sound is stamped with the same wall clock
    (see audio_input), kept as is by -copyts: picture and sound line up even when the scene runs slower than
    its framerate. The frames' end (stdin closed) ends the file (-shortest).

    The sound input comes FIRST: ffmpeg opens its inputs in order, and opening PulseAudio returns with its first
    block (0.5-2 s after the stream appears, from an idle sink), so once ffmpeg reads the frames' pipe the sound
    flows (app.capture.timed_frames waits for that before the scene goes on). As on the screen route, the
    sound is the file's first stream.
    """
    # No probing: ffmpeg would wait for several frames to guess a frame rate (there is none: each has its time).
    frames = ffmpeg.input("pipe:0", f="matroska", probesize=32, analyzeduration=0, fpsprobesize=0,
                          thread_queue_size=LIVE_QUEUE)
    shift = {"itsoffset": f"{audio_offset:.3f}"} if audio_offset else {}
    audio = audio_input(platform, audio_source, True, **shift)
    audio = audio.filter("aresample", **WALL_CLOCK_AUDIO)
    coder = encoder_setup(enc, 2 * max(int(round(fps)), 1))
    opts = dict(_container_flags(enc), **coder.output, fps_mode="passthrough", acodec=enc.audio_codec, copyts=None,
                shortest=None, **WALL_CLOCK_VIDEO, **{"b:a": enc.audio_bitrate})
    streams = [meter_filters(audio, levels_path) if levels_path else audio, coder.apply(frames)]
    return _command(binary, ffmpeg.output(*streams, _path(out_path), **opts), overwrite=True,
                    global_args=coder.global_args)


def finalise_command(binary: str, recording: str, final_path: str) -> list[str]:
    """Remux the crash-safe recording to a normal MP4 that starts playing before it is fully read."""
    stream = ffmpeg.input(_path(recording))
    return _command(binary, ffmpeg.output(stream, _path(final_path), c="copy", map=0, movflags="+faststart"))


def list_devices_command(binary: str, platform: str) -> list[str]:
    """The device listing the TDW docs give for macOS (`-list_devices true -i ""`), and its dshow twin."""
    fmt = "avfoundation" if platform == "darwin" else "dshow"
    return [binary, "-hide_banner", "-f", fmt, "-list_devices", "true", "-i", "dummy" if fmt == "dshow" else ""]
