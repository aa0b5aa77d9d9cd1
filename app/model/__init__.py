"""The value objects every layer shares: settings, the plan, regions, progress, backend declarations.

This package is the floor of the engine: it imports nothing of the app but `app.errors`, so any module
may use it and it can never take part in an import cycle (the layers contract in pyproject.toml keeps it so).
"""
