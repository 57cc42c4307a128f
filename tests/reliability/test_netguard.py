"""PrivDesk's own network refusal (privdesk.core.netguard) and the setting that controls it (appconfig).

No test sends a packet: connections to remote addresses go to a recording stand-in underneath the
guard, so a guard that failed to refuse would be caught by the stand-in, not by the internet.
"""

from __future__ import annotations

import json
import logging
import pickle
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from privdesk.core import appconfig, netguard
from privdesk.core.appconfig import AppConfig, apply_network_policy, config_path, load_config, save_config
from privdesk.core.netguard import NetworkBlocked

from tests.reliability.network_refusal import NetworkRefusal

REMOTE = ("203.0.113.5", 80)  # TEST-NET-3: documentation-only, never routed


@pytest.fixture
def underneath(netguard_restored) -> list:
    """A recording refusal in place of the real socket functions, then netguard installed on top of it.

    Whatever reaches the list got past netguard (and was refused there, so nothing left the machine).
    """
    reached: list = []
    with NetworkRefusal(reached.append):
        netguard.install()
        try:
            yield reached
        finally:
            netguard.uninstall()


def test_remote_connections_raise_networkblocked_before_reaching_the_socket(underneath):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBlocked) as blocked:
            sock.connect(REMOTE)
        with pytest.raises(NetworkBlocked):
            sock.connect_ex(REMOTE)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
        with pytest.raises(NetworkBlocked):
            datagram.sendto(b"telemetry", ("198.51.100.7", 53))
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("updates.example.com", 443), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("huggingface.co", 443)
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock6:
        with pytest.raises(NetworkBlocked):
            sock6.connect(("2001:db8::1", 443, 0, 0))
    assert underneath == [], "netguard let a remote destination through to the socket layer"
    assert isinstance(blocked.value, OSError)  # libraries treat it as "offline", as they should
    assert str(blocked.value) == ("PrivDesk blocks network access: 203.0.113.5:80 was refused. "
                                  "Enable network access in Preferences if you need it.")
    assert (blocked.value.host, blocked.value.port) == REMOTE
    copy = pickle.loads(pickle.dumps(blocked.value))  # as a worker process would send it back
    assert type(copy) is NetworkBlocked and str(copy) == str(blocked.value)


def test_the_refusal_is_logged_with_host_and_port_only(underneath, caplog):
    caplog.set_level(logging.WARNING, logger="privdesk.core.netguard")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
        with pytest.raises(NetworkBlocked):
            datagram.sendto(b"patient Jane Roe, 1970-01-02", ("198.51.100.7", 514))
    records = [r for r in caplog.records if r.name == "privdesk.core.netguard"]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    message = records[0].getMessage()
    assert "198.51.100.7:514" in message
    assert "Jane" not in message and "1970" not in message


def test_loopback_and_unix_sockets_still_work(netguard_restored, tmp_path):
    netguard.install()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=5) as client:
                peer, _ = server.accept()
                with peer:
                    client.sendall(b"ping")
                    assert peer.recv(4) == b"ping"
        assert socket.getaddrinfo("localhost", 8080, proto=socket.IPPROTO_TCP)
        assert socket.getaddrinfo(None, 8080, proto=socket.IPPROTO_TCP)

        path = str(tmp_path / "local.sock")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(path)
            server.listen(1)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.connect(path)
                peer, _ = server.accept()
                with peer:
                    client.sendall(b"pong")
                    assert peer.recv(4) == b"pong"
    finally:
        netguard.uninstall()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1", "localhost",
                                  "LOCALHOST.", "db.localhost", "0.0.0.0", "", None, b"127.0.0.1"])
def test_local_hosts(host):
    assert netguard.is_local_host(host)


@pytest.mark.parametrize("host", ["203.0.113.5", "10.0.0.1", "192.168.1.1", "2001:db8::1", "example.com",
                                  "localhost.example.com", "127.0.0.1.nip.io", b"8.8.8.8"])
def test_remote_hosts(host):
    assert not netguard.is_local_host(host)


def test_install_is_idempotent_and_uninstall_restores_the_originals(netguard_restored):
    originals = {"getaddrinfo": socket.getaddrinfo, "create_connection": socket.create_connection}
    inherited = {name: name not in vars(socket.socket) for name in ("connect", "connect_ex", "sendto")}
    assert not netguard.is_installed()
    netguard.install()
    netguard.install()
    assert netguard.is_installed()
    assert socket.getaddrinfo.__wrapped__ is originals["getaddrinfo"]  # wrapped once, not twice
    netguard.uninstall()
    assert not netguard.is_installed()
    assert socket.getaddrinfo is originals["getaddrinfo"]
    assert socket.create_connection is originals["create_connection"]
    for name, was_inherited in inherited.items():
        assert (name not in vars(socket.socket)) == was_inherited  # no copy of the inherited method left behind
    netguard.uninstall()  # a second uninstall changes nothing
    assert socket.getaddrinfo is originals["getaddrinfo"]


def test_uninstall_lets_connections_through_again(netguard_restored):
    reached: list = []
    with NetworkRefusal(reached.append):
        netguard.install()
        netguard.uninstall()
        with pytest.raises(ConnectionRefusedError):  # the stand-in's refusal: netguard is out of the way
            socket.getaddrinfo("example.com", 443)
    assert [attempt.function for attempt in reached] == ["socket.getaddrinfo"]


# ---- the setting ---------------------------------------------------------------------------------------------


def test_network_is_off_by_default_and_the_setting_persists(isolated_config_dir):
    assert not config_path().exists()
    assert load_config() == AppConfig(allow_network=False)
    saved = save_config(AppConfig(allow_network=True))
    assert saved == isolated_config_dir / "settings.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == {"allow_network": True}
    assert load_config().allow_network is True  # what the next start of PrivDesk reads
    save_config(AppConfig(allow_network=False))
    assert load_config().allow_network is False


def test_saving_keeps_keys_of_other_versions_and_bad_files_fall_back_to_blocking(isolated_config_dir, caplog):
    isolated_config_dir.mkdir(parents=True)
    path = isolated_config_dir / "settings.json"
    path.write_text(json.dumps({"allow_network": False, "from_a_newer_version": [1, 2]}), encoding="utf-8")
    save_config(AppConfig(allow_network=True))
    assert json.loads(path.read_text(encoding="utf-8")) == {"allow_network": True, "from_a_newer_version": [1, 2]}
    for damaged in ('{"allow_network": "yes"}', '{"allow_network": 1}', "not json {", "[true]"):
        path.write_text(damaged, encoding="utf-8")
        assert load_config().allow_network is False, damaged
    assert "settings file" in caplog.text


def test_apply_network_policy_follows_the_saved_setting(netguard_restored):
    assert apply_network_policy() is True
    assert netguard.is_installed()
    save_config(AppConfig(allow_network=True))
    assert apply_network_policy() is False
    assert not netguard.is_installed()
    save_config(AppConfig(allow_network=False))
    assert apply_network_policy() is True
    assert netguard.is_installed()


@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"XDG_CONFIG_HOME": "/xdg"}, "/xdg/privdesk"),
    ("linux", {}, "~/.config/privdesk"),
    ("linux", {"XDG_CONFIG_HOME": "relative/dir"}, "~/.config/privdesk"),
    ("win32", {"APPDATA": "C:/Users/a/AppData/Roaming"}, "C:/Users/a/AppData/Roaming/PrivDesk"),
    ("darwin", {}, "~/Library/Application Support/PrivDesk"),
])
def test_config_folder_per_platform(monkeypatch, platform, env, expected):
    monkeypatch.delenv(appconfig.CONFIG_DIR_ENV)
    for name in ("XDG_CONFIG_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert appconfig.config_dir() == Path(expected).expanduser()


def test_config_folder_override(isolated_config_dir):
    assert appconfig.config_dir() == isolated_config_dir


# ---- wiring: the CLI refuses by default -----------------------------------------------------------------------


def test_cli_main_installs_the_guard_unless_the_setting_allows_the_network(netguard_restored, tmp_path, capsys):
    from privdesk.cli import main

    data = tmp_path / "people.csv"
    data.write_text("id,note\n1,hello\n", encoding="utf-8")
    assert main(["inspect", str(data)]) == 0
    assert netguard.is_installed()
    save_config(AppConfig(allow_network=True))
    assert main(["inspect", str(data)]) == 0
    assert not netguard.is_installed()
    capsys.readouterr()


def test_a_cli_process_refuses_outbound_connections(subprocess_no_network, tmp_path):
    """In a real `privdesk-cli` process (the test's own refusal underneath), a remote connect is blocked by PrivDesk."""
    data = tmp_path / "people.csv"
    data.write_text("id,note\n1,hello\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import json, socket, sys
        from privdesk.cli import main
        from privdesk.core import netguard
        code = main(["inspect", {str(data)!r}])
        try:
            socket.create_connection(("203.0.113.5", 80), timeout=1)
            outcome = "connected"
        except OSError as error:
            outcome = type(error).__name__
        print(json.dumps({{"code": code, "installed": netguard.is_installed(), "outcome": outcome}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env=subprocess_no_network.env)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"code": 0, "installed": True, "outcome": "NetworkBlocked"}
    assert "blocked an outbound network connection to 203.0.113.5:80" in result.stderr  # logged at WARNING
    assert subprocess_no_network.attempts() == [], subprocess_no_network.report()
