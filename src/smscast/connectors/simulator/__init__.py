"""A simulated SMSC (smpp34 server) for tests, benchmarks and the embedded default connector.

Run it alone with `python -m smscast.connectors.simulator --port 2775` or `smscast smsc`.
"""

from smscast.connectors.simulator.config import SimulatorConfig
from smscast.connectors.simulator.records import SimMessage, Submitted
from smscast.connectors.simulator.server import Simulator

__all__ = ["SimMessage", "Simulator", "SimulatorConfig", "Submitted"]
