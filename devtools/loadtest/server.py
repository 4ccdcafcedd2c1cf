"""gunicorn for the load test: the site as production runs it, on a free port of 127.0.0.1.

The server's environment is the command's own (so the operator's settings apply: the
``DATABASE_URL`` and ``REDIS_URL`` under test, ``CONN_MAX_AGE``, ``PAGE_CACHE_SECONDS``, the
download limit...) with production mode forced on, as ``tests/test_production_smoke.py`` runs
it: ``DEBUG=false``, a random ``SECRET_KEY``, ``ALLOWED_HOSTS=127.0.0.1``, the static files
collected (hashed and compressed) into a temporary ``STATIC_ROOT``, an empty temporary
``MEDIA_ROOT``. The site is set up as behind a TLS-terminating proxy: ``SECURE_PROXY_SSL_HEADER``
(every request says it came over HTTPS, so the HTTPS redirect, which stays on, never fires) and
``CLIENT_IP_HEADER=X-Forwarded-For`` (each simulated client has its own address).

gunicorn runs in a session of its own, so stopping it stops exactly its master and workers.
Its workers' memory is read from ``/proc`` (resident set size).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from devtools.loadtest.client import Client

STARTUP_SECONDS = 60
PR_SET_PDEATHSIG = 1  # prctl(2)
STOP_SECONDS = 10
#: Production's gunicorn settings (threaded workers; README.md, "Production"), which the
#: load test serves the site with.
GUNICORN_CONFIG = settings.BASE_DIR / "gunicorn.conf.py"
#: Lines of gunicorn's log that mean a request or a worker was lost (one line per event:
#: a worker timeout, a killed worker, a request that failed in gunicorn or in Django).
LOG_PROBLEMS = (
    "WORKER TIMEOUT",
    "was sent SIGKILL",
    "Error handling request",
    "Internal Server Error",
    "Exception in worker process",
)


def site_environment(base: Path) -> dict[str, str]:
    """The command's environment with production mode forced on (module docstring)."""
    environment = dict(os.environ)
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment |= {
        "DJANGO_SETTINGS_MODULE": "lab.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "true",
        "CLIENT_IP_HEADER": "X-Forwarded-For",
        "STATIC_ROOT": str(base / "static"),
        "MEDIA_ROOT": str(base / "media"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("SECURE_SSL_REDIRECT", None)  # production's default: on
    (base / "media").mkdir(exist_ok=True)
    return environment


def collect_static(environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "collectstatic", "--noinput"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{result.stdout}{result.stderr}")


def _stop_with_parent() -> None:
    """In the child before gunicorn starts (Linux): SIGTERM to gunicorn when this process
    ends, even if it is killed, so a killed load test leaves no server behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_config() -> dict:
    """The settings of GUNICORN_CONFIG (workers, threads, worker class, timeout)."""
    return {
        name: value
        for name, value in runpy.run_path(str(GUNICORN_CONFIG)).items()
        if name in {"worker_class", "workers", "threads", "timeout"}
    }


class Gunicorn:
    """``gunicorn lab.wsgi`` with production's settings (GUNICORN_CONFIG: threaded workers)
    and ``workers`` workers."""

    def __init__(self, environment: dict[str, str], *, workers: int, log: Path):
        self.environment = environment
        self.workers = workers
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable, "-m", "gunicorn", "lab.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--config", str(GUNICORN_CONFIG),
            "--workers", str(self.workers),
            "--graceful-timeout", "5",
            "--no-control-socket",  # its default path is shared by every gunicorn of the user
            "--error-logfile", "-",
        ]  # fmt: skip
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=settings.BASE_DIR,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_stop_with_parent,  # safe: no thread is running yet
            )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_serving(self) -> None:
        probe = Client(self.port, "127.0.0.1")
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if probe.get("/healthz/").status == 200 and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to its session after STOP_SECONDS."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_SECONDS)
        # The process group holds only what this started: the master and its workers.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc."""
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": the command name may hold spaces and parentheses.
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid:
                children.append(int(entry.name))
        return sorted(children)

    def worker_cpu(self) -> dict[int, float]:
        """Each worker's CPU seconds so far (user and system, /proc/<pid>/stat)."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = {}
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return used

    def worker_memory(self) -> dict[int, int]:
        """Each worker's resident set size in bytes (VmRSS of /proc/<pid>/status)."""
        memory = {}
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        memory[pid] = int(line.split()[1]) * 1024
        return memory

    def log_problems(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines() if any(p in line for p in LOG_PROBLEMS)]

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]
