"""Everything about the ffmpeg binary: finding it, probing it, building its command lines, reading it."""
