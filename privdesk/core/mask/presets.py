"""The policy presets bundled in resources/policies/ (one YAML file each, named by its file stem)."""

from __future__ import annotations

from pathlib import Path

from privdesk.core.mask.errors import PolicyError
from privdesk.core.mask.policy import Policy, load_policy
from privdesk.paths import resources_dir


def presets_dir() -> Path:
    return resources_dir() / "policies"


def preset_names() -> list[str]:
    """hipaa_safe_harbor, gdpr_pseudonymisation, pci_dss, llm_training, ... (sorted)."""
    return sorted(path.stem for path in presets_dir().glob("*.yaml"))


def preset_path(name: str) -> Path:
    path = presets_dir() / f"{name}.yaml"
    if name not in preset_names():
        raise PolicyError(f"there is no preset called '{name}'.", hint=f"Presets: {', '.join(preset_names())}.")
    return path


def load_preset(name: str) -> Policy:
    return load_policy(preset_path(name))


def resolve_policy(spec: str | Path) -> Policy:
    """A policy from a YAML file path or a preset name (what the CLI's --policy accepts)."""
    text = str(spec)
    if isinstance(spec, str) and text in preset_names():
        return load_preset(text)
    path = Path(spec)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        return load_policy(path)
    raise PolicyError(f"'{text}' is neither a policy file nor a preset.",
                      hint=f"Give a .yaml file or one of the presets: {', '.join(preset_names())}.")
