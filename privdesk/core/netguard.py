"""Refuse outbound network connections for the whole process, unless the analyst allows them.

An analyst's data must not leave the machine through a library that phones home (telemetry, model
hubs, update checks, suffix lists). install() patches the socket module so that every connection to a
non-local address, and every name lookup of a non-local host, raises NetworkBlocked before a single
packet is sent. Loopback addresses and Unix sockets stay allowed: multiprocessing, Qt's local
sockets and other in-machine plumbing use them.

What is patched, and why each:
  socket.socket.connect / connect_ex   every TCP or UDP connect, including ssl.SSLSocket's
  socket.socket.sendto                 UDP datagrams sent without connect (DNS, statsd-style telemetry)
  socket.create_connection             the common entry of http.client, urllib and urllib3 (clearer errors)
  socket.getaddrinfo                   name lookups: a DNS query already tells a server what we look up

Blocked attempts are logged at WARNING with host and port only, never with anything sent.

The patches are closures over the functions they replace, so install() and uninstall() compose with
other patchers (pytest's monkeypatch, a second install): uninstall() restores what install() found,
and only where our patch is still the one in place.

What it does not cover: other processes (each must install it; see appconfig.apply_network_policy),
native code that opens sockets itself (Qt's QtNetwork, C libraries), and module-level copies of
`socket.getaddrinfo` or `socket.create_connection` taken before install(). Connections made through
a socket object are always covered, because socket.socket's methods are looked up at call time.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

_MARK = "_privdesk_netguard"  # set on every function this module installs
_PATCHED_SOCKET_METHODS = ("connect", "connect_ex", "sendto")
_PATCHED_MODULE_FUNCTIONS = ("create_connection", "getaddrinfo")
_lock = threading.Lock()


class NetworkBlocked(OSError):
    """An outbound connection that PrivDesk refused because network access is off."""

    def __init__(self, host: str, port: int | str | None):
        self.host = host
        self.port = port
        super().__init__(f"PrivDesk blocks network access: {_describe(host, port)} was refused. "
                         "Enable network access in Preferences if you need it.")

    def __reduce__(self) -> tuple:
        # Rebuilt from host and port when it crosses a process boundary (a worker's exception).
        return (type(self), (self.host, self.port))


def _describe(host: str, port: int | str | None) -> str:
    host_text = f"[{host}]" if ":" in host else host
    return f"{host_text}:{port}" if port is not None else host_text


def _host_text(host: Any) -> str:
    if isinstance(host, (bytes, bytearray)):
        return bytes(host).decode("ascii", "replace")
    return "" if host is None else str(host)


def is_local_host(host: Any) -> bool:
    """True for hosts that cannot leave the machine: loopback and unspecified addresses, "localhost".

    A host name other than localhost counts as remote even if it would resolve to this machine,
    because resolving it may itself send a DNS query.
    """
    if host is None:
        return True  # getaddrinfo(None, port) gives the local wildcard or loopback address
    text = _host_text(host).strip().rstrip(".").lower()
    if text in ("", "localhost") or text.endswith(".localhost"):
        return True
    text = text.strip("[]").split("%", 1)[0]  # "[::1]" and scoped "fe80::1%eth0" forms
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    # Connecting to 0.0.0.0 or :: reaches this machine only.
    return address.is_loopback or address.is_unspecified


def _check_address(family: Any, address: Any) -> None:
    """Raise NetworkBlocked when a socket `address` of `family` is outside the machine."""
    if family == getattr(socket, "AF_UNIX", object()):
        return
    if family in (socket.AF_INET, socket.AF_INET6):
        if isinstance(address, tuple) and address:
            host, port = address[0], address[1] if len(address) > 1 else None
        else:
            host, port = address, None
        if not is_local_host(host):
            _refuse(_host_text(host), port)
        return
    # Other families (Bluetooth, raw packets, CAN, ...) could carry data off the machine too.
    _refuse(f"a {getattr(family, 'name', family)} socket", None)


def _refuse(host: str, port: Any) -> None:
    log.warning("blocked an outbound network connection to %s (network access is off in Preferences)",
                _describe(host, port))
    raise NetworkBlocked(host, port)


def _marked(function: Callable, original: Callable) -> Callable:
    setattr(function, _MARK, True)
    function.__wrapped__ = original  # type: ignore[attr-defined]
    function.__name__ = getattr(original, "__name__", function.__name__)
    function.__qualname__ = getattr(original, "__qualname__", function.__qualname__)
    function.__doc__ = getattr(original, "__doc__", None)
    return function


def _guard_connect(original: Callable) -> Callable:
    def connect(self: socket.socket, address: Any, *args: Any) -> Any:
        _check_address(self.family, address)
        return original(self, address, *args)

    return _marked(connect, original)


def _guard_sendto(original: Callable) -> Callable:
    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        # sendto(data, address) or sendto(data, flags, address)
        if args:
            _check_address(self.family, args[-1])
        return original(self, data, *args)

    return _marked(sendto, original)


def _guard_create_connection(original: Callable) -> Callable:
    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        host, port = address[0], address[1]
        if not is_local_host(host):
            _refuse(_host_text(host), port)
        return original(address, *args, **kwargs)

    return _marked(create_connection, original)


def _guard_getaddrinfo(original: Callable) -> Callable:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_local_host(host):
            _refuse(_host_text(host), port)
        return original(host, port, *args, **kwargs)

    return _marked(getaddrinfo, original)


_GUARDS: dict[str, Callable[[Callable], Callable]] = {
    "connect": _guard_connect,
    "connect_ex": _guard_connect,
    "sendto": _guard_sendto,
    "create_connection": _guard_create_connection,
    "getaddrinfo": _guard_getaddrinfo,
}


def _targets() -> list[tuple[Any, str]]:
    return ([(socket.socket, name) for name in _PATCHED_SOCKET_METHODS]
            + [(socket, name) for name in _PATCHED_MODULE_FUNCTIONS])


def _is_ours(function: Any) -> bool:
    return bool(getattr(function, _MARK, False))


def is_installed() -> bool:
    """True when every patched entry point currently refuses remote destinations."""
    return all(_is_ours(getattr(owner, name)) for owner, name in _targets())


def install() -> None:
    """Refuse every outbound connection from now on (idempotent)."""
    with _lock:
        installed = 0
        for owner, name in _targets():
            current = getattr(owner, name)
            if _is_ours(current):
                continue
            guard = _GUARDS[name](current)
            # socket.socket inherits connect & co. from _socket.socket; uninstall() deletes the override
            # again rather than copying the inherited method into the subclass.
            guard._privdesk_inherited = name not in vars(owner)  # type: ignore[attr-defined]
            setattr(owner, name, guard)
            installed += 1
    if installed:
        log.info("network access is off: outbound connections are refused (loopback and local sockets allowed)")


def uninstall() -> None:
    """Allow network access again: put back what install() replaced (idempotent)."""
    with _lock:
        removed = 0
        for owner, name in _targets():
            current = getattr(owner, name)
            if not _is_ours(current):
                continue
            if current._privdesk_inherited and name in vars(owner):
                delattr(owner, name)
            else:
                setattr(owner, name, current.__wrapped__)
            removed += 1
    if removed:
        log.info("network access is on: outbound connections are allowed")
