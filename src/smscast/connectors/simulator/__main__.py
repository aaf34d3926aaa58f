"""`python -m smscast.connectors.simulator --port N`: the simulator in the foreground."""

import typer

from smscast.cli.smsc import smsc

if __name__ == "__main__":
    typer.run(smsc)
