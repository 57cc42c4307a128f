"""A test-side network refusal, independent of privdesk.core.netguard: it judges PrivDesk from outside.

NetworkRefusal patches socket.socket.connect / connect_ex / sendto, socket.create_connection and
socket.getaddrinfo so that every attempt raises ConnectionRefusedError (what a machine without
network gives, so libraries take their offline paths) and is recorded with the stack that made it.
Only Unix sockets are allowed: the pipeline needs no TCP or UDP at all, not even to loopback.

The same class runs inside subprocesses: tests put a folder holding a sitecustomize.py on
PYTHONPATH (see SITECUSTOMIZE) and every Python process started with that environment, including
spawned worker processes, installs the refusal before anything else runs and appends its attempts,
and a line saying it was installed, to JSON Lines files the test reads back.
"""

from __future__ import annotations

import json
import os
import socket
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

ATTEMPTS_ENV = "PRIVDESK_TEST_NETWORK_ATTEMPTS"
GUARDED_ENV = "PRIVDESK_TEST_NETWORK_GUARDED"
_MISSING = object()

# Put in a folder on PYTHONPATH: Python imports sitecustomize at start-up in every process.
SITECUSTOMIZE = '''\
"""Installed by tests/reliability: refuse and record every network attempt of this process."""
import os

if os.environ.get("{attempts_env}"):
    from tests.reliability.network_refusal import install_in_subprocess

    install_in_subprocess()
'''.format(attempts_env=ATTEMPTS_ENV)


@dataclass(frozen=True)
class Attempt:
    function: str
    target: str
    pid: int
    stack: str

    def describe(self) -> str:
        return f"{self.function}({self.target}) in process {self.pid}, from:\n{self.stack}"


def _target_text(args: tuple, kwargs: dict) -> str:
    return ", ".join([repr(arg) for arg in args] + [f"{key}={value!r}" for key, value in kwargs.items()])


class NetworkRefusal:
    """Refuse every non-Unix socket connection, datagram and name lookup; report each to `on_attempt`."""

    def __init__(self, on_attempt: Callable[[Attempt], None]):
        self.on_attempt = on_attempt
        self._saved: list[tuple[Any, str, Any]] = []

    def _refuse(self, function: str, args: tuple, kwargs: dict) -> None:
        attempt = Attempt(function, _target_text(args, kwargs), os.getpid(), "".join(traceback.format_stack()[:-2]))
        self.on_attempt(attempt)
        raise ConnectionRefusedError(f"network access refused by the test: {function}({attempt.target})")

    def _socket_method(self, name: str, original: Callable) -> Callable:
        refusal = self

        def guarded(sock: socket.socket, *args: Any, **kwargs: Any) -> Any:
            if sock.family == getattr(socket, "AF_UNIX", None):
                return original(sock, *args, **kwargs)
            refusal._refuse(f"socket.{name}", args, kwargs)

        return guarded

    def _module_function(self, name: str) -> Callable:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self._refuse(f"socket.{name}", args, kwargs)

        return guarded

    def install(self) -> None:
        if self._saved:
            raise RuntimeError("already installed")
        for name in ("connect", "connect_ex", "sendto"):
            self._saved.append((socket.socket, name, vars(socket.socket).get(name, _MISSING)))
            setattr(socket.socket, name, self._socket_method(name, getattr(socket.socket, name)))
        for name in ("create_connection", "getaddrinfo"):
            self._saved.append((socket, name, getattr(socket, name)))
            setattr(socket, name, self._module_function(name))

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._saved):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._saved.clear()

    def __enter__(self) -> "NetworkRefusal":
        self.install()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()


def _append_json_line(path: str, data: dict) -> None:
    # One write of one short line per call: concurrent processes appending do not interleave.
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(data) + "\n")


def install_in_subprocess() -> None:
    """The sitecustomize entry: refuse for the life of this process, recording to the files named in the environment."""
    attempts_file = os.environ[ATTEMPTS_ENV]
    NetworkRefusal(lambda attempt: _append_json_line(attempts_file, asdict(attempt))).install()
    guarded_file = os.environ.get(GUARDED_ENV)
    if guarded_file:
        _append_json_line(guarded_file, {"pid": os.getpid(), "ppid": os.getppid()})


def read_attempts(path: Path) -> list[Attempt]:
    if not path.exists():
        return []
    return [Attempt(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def subprocess_environment(folder: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment under which every Python process refuses the network and records its attempts in `folder`.

    `folder` gets sitecustomize.py, attempts.jsonl (written on an attempt) and guarded.jsonl (one line per
    process that installed the refusal). The repository root goes on PYTHONPATH too, for this module.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ if base is None else base)
    repo_root = Path(__file__).resolve().parents[2]
    paths = [str(folder), str(repo_root)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env[ATTEMPTS_ENV] = str(folder / "attempts.jsonl")
    env[GUARDED_ENV] = str(folder / "guarded.jsonl")
    return env
