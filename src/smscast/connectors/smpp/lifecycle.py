"""Keep smpp34 from crashing the interpreter on its way out.

smpp34 runs on a tokio runtime through pyo3-async-runtimes. Python objects it left for the
cyclic collector (finished futures and their Rust-side holders) are otherwise freed during
interpreter finalization; freeing them wakes tokio threads that take the GIL while Python is
being torn down, and the process dies with SIGSEGV or "PyGILState_Release: thread state must
be current" (pyo3-async-runtimes issue 40). About one exit in three did, on this machine.
Collecting them in an atexit hook, while the interpreter is whole, and giving those threads a
moment, stopped it in every trial. Importing this module registers the hook once.
"""

from __future__ import annotations

import atexit
import gc
import time

__all__ = ["settle"]

SETTLE_S = 0.05


def settle() -> None:
    """Free smpp34's leftovers while Python can still run the threads they wake."""
    gc.collect()
    time.sleep(SETTLE_S)


atexit.register(settle)
