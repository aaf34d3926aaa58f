"""Dispatch: the worker that moves due messages to connectors, and its store."""

from smscast.dispatch.routing import Route, Router
from smscast.dispatch.store import Claimed, DispatchStore, Outcome, SqlStore
from smscast.dispatch.worker import Worker, WorkerConfig

__all__ = [
    "Claimed",
    "DispatchStore",
    "Outcome",
    "Route",
    "Router",
    "SqlStore",
    "Worker",
    "WorkerConfig",
]
