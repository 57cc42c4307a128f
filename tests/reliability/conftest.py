"""Fixtures for the reliability tests: no network, the settings folder kept in tmp_path, and one run of
the CLI pipeline (in subprocesses, on canary-seeded data) shared by the no-network and canary tests."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from privdesk.core import netguard
from privdesk.core.appconfig import CONFIG_DIR_ENV

from tests.reliability.network_refusal import Attempt, NetworkRefusal, read_attempts, subprocess_environment


@pytest.fixture(autouse=True)
def isolated_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PrivDesk's settings file (privdesk.core.appconfig) lives under tmp_path, never in the user's config folder."""
    folder = tmp_path / "privdesk-config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder


def _attempts_report(attempts: list[Attempt]) -> str:
    return f"{len(attempts)} network attempt(s):\n\n" + "\n\n".join(attempt.describe() for attempt in attempts)


@pytest.fixture
def no_network() -> Iterator[list[Attempt]]:
    """Refuse every socket connection, datagram and name lookup (Unix sockets aside) during the test.

    Yields the list of attempts as they happen; the test fails at teardown if there was any, with the
    stack of each. A patched socket in this process does not cover child processes: see
    `subprocess_no_network` for those.
    """
    attempts: list[Attempt] = []
    with NetworkRefusal(attempts.append):
        yield attempts
    if attempts:
        pytest.fail(_attempts_report(attempts), pytrace=False)


@dataclass
class SubprocessGuard:
    """An environment whose Python processes (and their children) refuse the network and record attempts."""

    folder: Path
    env: dict[str, str]

    def attempts(self) -> list[Attempt]:
        return read_attempts(self.folder / "attempts.jsonl")

    def guarded_processes(self) -> list[dict]:
        path = self.folder / "guarded.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def report(self) -> str:
        return _attempts_report(self.attempts())


@pytest.fixture
def subprocess_no_network(tmp_path: Path) -> SubprocessGuard:
    """SubprocessGuard.env for subprocess.run(env=...): a sitecustomize on PYTHONPATH installs the refusal."""
    folder = tmp_path / "network-guard"
    return SubprocessGuard(folder, subprocess_environment(folder))


@pytest.fixture
def netguard_restored() -> Iterator[None]:
    """Start without privdesk.core.netguard installed and put back whatever state the session had after.

    In-process calls of privdesk.cli.main install the guard for the rest of the process; tests of the
    guard itself need to know where they start.
    """
    was_installed = netguard.is_installed()
    netguard.uninstall()
    yield
    if was_installed:
        netguard.install()
    else:
        netguard.uninstall()


# ---- the CLI pipeline, once per session ---------------------------------------------------------------------


@dataclass
class CliPipelineRun:
    """One run of tests.reliability.pipeline.run_cli_pipeline on canary data, with what it needs to be judged."""

    outputs: object  # pipeline.CliOutputs
    guard: SubprocessGuard
    roots: dict[str, Path]  # folders the processes wrote to: work, temp, home, config


@pytest.fixture(scope="session")
def cli_pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> CliPipelineRun:
    """privdesk-cli --debug inspect, detect --jobs 2, mask, reidentify, train, evaluate in subprocesses, on
    canary-seeded notes, with the network refused in every process and its children, and TMPDIR, HOME,
    the XDG folders and PRIVDESK_CONFIG_DIR pointed at test folders.

    The settings file allows network access, so privdesk.core.netguard stays out of the way and the
    test's own refusal sees (and records) every attempt PrivDesk or a library makes; that the CLI
    installs netguard by default is tested in test_netguard.py.
    """
    from privdesk.core.synth import write_synth

    from tests.reliability.pipeline import canary_dataset, run_cli_pipeline

    base = tmp_path_factory.mktemp("cli-pipeline")
    roots = {name: base / name for name in ("work", "temp", "home", "config")}
    for folder in roots.values():
        folder.mkdir()
    (roots["config"] / "settings.json").write_text(json.dumps({"allow_network": True}), encoding="utf-8")
    inputs = base / "inputs"
    dataset, gold = write_synth(canary_dataset(), inputs / "notes.csv")
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env.update({"TMPDIR": str(roots["temp"]), "TEMP": str(roots["temp"]), "TMP": str(roots["temp"]),
                "HOME": str(roots["home"]), "XDG_CONFIG_HOME": str(roots["home"] / ".config"),
                "XDG_CACHE_HOME": str(roots["home"] / ".cache"), "XDG_DATA_HOME": str(roots["home"] / ".local/share"),
                CONFIG_DIR_ENV: str(roots["config"])})
    guard_folder = base / "network-guard"
    guard = SubprocessGuard(guard_folder, subprocess_environment(guard_folder, env))
    outputs = run_cli_pipeline(roots["work"], dataset, gold, env=guard.env)
    return CliPipelineRun(outputs, guard, roots)
