"""The registry of template sets, and the checks that keep every template renderable."""

from __future__ import annotations

from typing import Mapping, Sequence

from privdesk.core.synth import templates_dev, templates_heldout
from privdesk.core.synth.context import KNOWN_SLOTS, PERSON_ROLES, PERSON_VARIANTS, SLOT_VARIANTS
from privdesk.core.synth.kinds import KIND_SPECS, parse_script
from privdesk.core.synth.pools import TEMPLATE_SETS
from privdesk.core.synth.templating import PoolRef, Slot, TemplateSyntaxError, parse, walk

_SETS: dict[str, Mapping[str, Mapping[str, Sequence[str]]]] = {
    "dev": templates_dev.TEMPLATES,
    "heldout": templates_heldout.TEMPLATES,
}
assert tuple(_SETS) == TEMPLATE_SETS

SCRIPT_POOL = "script"  # chat only: conversation scripts, not sentence templates
_SPEAKER_ROLES = ("customer", "agent")


def check_kind(kind: str) -> str:
    if kind not in KIND_SPECS:
        raise ValueError(f"unknown synthetic data kind {kind!r}; choose one of {', '.join(KIND_SPECS)}")
    return kind


def check_template_set(template_set: str) -> str:
    if template_set not in _SETS:
        raise ValueError(f"unknown template set {template_set!r}; choose one of {', '.join(_SETS)}")
    return template_set


def templates_for(template_set: str, kind: str) -> Mapping[str, Sequence[str]]:
    return _SETS[check_template_set(template_set)][check_kind(kind)]


def sentence_templates(template_set: str, kind: str) -> list[str]:
    """Every sentence and frame template of one kind in one set (chat scripts excluded)."""
    pools = templates_for(template_set, kind)
    return [template for name, pool in pools.items() if name != SCRIPT_POOL for template in pool]


def template_problems(template_set: str) -> list[str]:
    """Everything that would make a template fail at render time; empty when the set is sound."""
    problems: list[str] = []
    for kind, spec in KIND_SPECS.items():
        pools = templates_for(template_set, kind)
        where = f"{template_set}/{kind}"
        for required in spec.required_pools:
            if not pools.get(required):
                problems.append(f"{where}: missing pool {required!r}")
        for name, pool in pools.items():
            if len(set(pool)) != len(pool):
                problems.append(f"{where}/{name}: duplicate templates")
            if name == SCRIPT_POOL:
                for script in pool:
                    for role, target, _ in parse_script(script):
                        if role not in _SPEAKER_ROLES:
                            problems.append(f"{where}: script speaker {role!r} is neither customer nor agent")
                        if target not in pools or target == SCRIPT_POOL:
                            problems.append(f"{where}: script turn refers to missing pool {target!r}")
                continue
            for template in pool:
                try:
                    tokens = parse(template)
                except TemplateSyntaxError as error:
                    problems.append(f"{where}/{name}: {error}")
                    continue
                for token in walk(tokens):
                    if isinstance(token, PoolRef) and (token.pool not in pools or token.pool == SCRIPT_POOL):
                        problems.append(f"{where}/{name}: {template!r} refers to missing pool {token.pool!r}")
                    elif isinstance(token, Slot):
                        if token.name not in KNOWN_SLOTS:
                            problems.append(f"{where}/{name}: {template!r} uses unknown slot {token.name!r}")
                        elif token.name in PERSON_ROLES and token.variant not in PERSON_VARIANTS:
                            problems.append(f"{where}/{name}: {template!r} uses unknown variant {token.variant!r}")
                        elif (token.name not in PERSON_ROLES and token.variant not in ("", "upper")
                              and token.variant not in SLOT_VARIANTS.get(token.name, ())):
                            problems.append(f"{where}/{name}: {template!r} uses unknown variant {token.variant!r}")
    return problems
