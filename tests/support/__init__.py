"""Real servers for tests: Xvfb + openbox, PulseAudio with a null sink, a test window, a stand-in build."""
