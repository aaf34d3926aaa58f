"""Running smscast for real: structured logs, Prometheus metrics, request ids.

`logs` and `metrics` are free of the web framework (the dispatch worker uses them); the API's
middleware lives in `smscast.observability.http`.
"""

from smscast.observability.logs import request_id, setup_logging
from smscast.observability.metrics import DispatchMetrics, render

__all__ = ["DispatchMetrics", "render", "request_id", "setup_logging"]
