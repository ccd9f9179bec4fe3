"""ocp_simulator: a faithful, deterministic simulation of OceanBase Cloud Platform's task API.

The engine side (clock, templates, scenario, engine) models OCP's task state machine;
the HTTP side serves it under OCP's URLs. See CONTRACT.md for how the two fit together.
"""

__version__ = "0.1.0"
