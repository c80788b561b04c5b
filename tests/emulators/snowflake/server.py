"""The Snowflake emulator's child process: fakesnow's server until told to stop or orphaned.

Run as a script (``python server.py --port N``) by :class:`SnowflakeEmulator`, so it imports
nothing of the test package: its own interpreter holds fakesnow's globals and nothing else.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading


def serve(host: str, port: int) -> None:
    """Run ``fakesnow.server`` until SIGTERM/SIGINT or until the parent dies."""
    import fakesnow

    stop = threading.Event()
    parent = os.getppid()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with fakesnow.server(port=port, host=host):
        print(f"fakesnow emulator listening on {host}:{port} pid={os.getpid()}", flush=True)
        while not stop.wait(0.5):
            if os.getppid() != parent:
                break


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python server.py --host H --port N`` (the parent picks the port)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", required=True)
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
