"""Helpers of the tests that start real processes (Celery workers and beat, servers)."""
import signal
import subprocess
import time


def stop(proc, sig=signal.SIGTERM):
    """Send ``sig`` to a process still running and wait for it; kill it after 20 s."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def wait_until(predicate, timeout, interval=0.2):
    """Poll ``predicate`` every ``interval`` seconds until it is true (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
