"""Capture backends, each behind the small Recorder protocol of app.capture.base."""
