"""TDW Recorder: record video, audio or both from ThreeDWorld scenes."""

__version__ = "0.1.0"
