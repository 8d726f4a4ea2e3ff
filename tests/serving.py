"""Starting `eventsearch serve` for a test and stopping it as Ctrl+C in a terminal does."""

from __future__ import annotations

import os
import signal
import subprocess


def start(command: list, **kwargs) -> subprocess.Popen:
    """Start the server in a process group of its own (its workers join it), with its
    output piped as text."""
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kwargs)


def stop(server: subprocess.Popen, timeout: float = 20) -> tuple[str, bool]:
    """Send SIGINT to the server's whole group, as Ctrl+C does, and wait for every process
    of it to exit. Returns its stderr and whether it stopped by itself; if it did not, the
    group is killed, so that no worker outlives the test holding its pipes."""
    os.killpg(server.pid, signal.SIGINT)
    try:
        _, errors = server.communicate(timeout=timeout)  # EOF: every process let go
        return errors, True
    except subprocess.TimeoutExpired:
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:  # the master exited; a worker may not have
            pass
        _, errors = server.communicate()
        return errors, False
