"""Before a recording: the settings checked (each problem one sentence with its fix) and resolved into a plan."""

from app.preflight.plan import needed_features, plan, validate
from app.preflight.scene import port_free, python_problem
from app.preflight.static import static_problems

__all__ = ["needed_features", "plan", "port_free", "python_problem", "static_problems", "validate"]
