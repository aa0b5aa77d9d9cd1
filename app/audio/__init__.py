"""Audio sources: PulseAudio/PipeWire on Linux."""
