"""smscast: a self-hosted SMS campaign and messaging platform."""

__all__ = ["__version__"]

__version__ = "0.1.0"
