"""`python -m emulator` (from dev/): serves until SIGINT/SIGTERM. Port from EMULATOR_PORT (5077)."""

import os
import signal
import sys
import threading

from . import DEFAULT_HOST, DEFAULT_PORT


def main() -> int:
    try:
        port = int(os.environ.get("EMULATOR_PORT", DEFAULT_PORT))
    except ValueError:
        print(f"emulator: EMULATOR_PORT must be a number, not {os.environ['EMULATOR_PORT']!r}", file=sys.stderr)
        return 2

    from .mailbox import MAILBOX
    from .server import EmulatorServer

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    quiet = os.environ.get("EMULATOR_LOG_REQUESTS", "1") == "0"
    server = EmulatorServer(DEFAULT_HOST, port, quiet=quiet)
    try:
        server.start()
    except OSError as e:
        print(f"emulator: cannot listen on {DEFAULT_HOST}:{port}: {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"emulator: {e}", file=sys.stderr)
        return 2
    MAILBOX.echo = True
    print(f"emulator ready on {server.url}", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    print("emulator stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
