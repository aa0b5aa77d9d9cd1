"""Run TDW scenes (built-in demos or the user's own, unmodified controller scripts) for recording."""
