"""Masking policies: which operator, with which parameters, for each entity type and column.

A policy is plain data (dataclasses) that reads from and writes to YAML:

    name: GDPR pseudonymisation
    description: Keyed pseudonyms that only the holder of the project secret can link back.
    locale: en_US                     # optional: Faker locale for surrogates
    default: {operator: tag}          # for entity types not listed below
    entities:
      PERSON: {operator: surrogate}
      EMAIL_ADDRESS: {operator: encrypt, mode: siv}
      AGE: generalize                 # shorthand for {operator: generalize}
    columns:                          # per-column overrides
      dob:
        DATE_TIME: {operator: date_shift, by: person}
      free_text:
        default: {operator: redact}

For a span of type T in column C the operator is the first that applies of: columns.C.T,
columns.C.default, entities.T, default. Loading validates every field and reports problems with
the line they are on. Parameters left out get their defaults, so the canonical form (and its
SHA-256 in the audit report) does not depend on how terse the file was.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from privdesk.core.mask.errors import PolicyError
from privdesk.core.mask.policy_guards import refuse_hostile_yaml, refuse_oversized_file
from privdesk.core.mask.policy_schema import OPERATOR_ENTITY_TYPES, OPERATORS, check_param, default_params
from privdesk.core.mask.yaml_nodes import LocatedData, parse_yaml
from privdesk.core.types import ENTITY_TYPES

_TOP_LEVEL_FIELDS = ("name", "description", "locale", "default", "entities", "columns", "custom_entities")


@dataclass(frozen=True)
class OperatorSpec:
    """One operator and its parameters (all of them, defaults filled in)."""

    operator: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"unknown operator {self.operator!r}")
        complete = default_params(self.operator)
        for name, value in dict(self.params).items():
            problem = check_param(self.operator, name, value)
            if problem:
                raise ValueError(f"{self.operator}.{name} {problem}")
            complete[name] = value
        object.__setattr__(self, "params", complete)

    def to_dict(self) -> dict[str, Any]:
        return {"operator": self.operator, **self.params}

    def param(self, name: str) -> Any:
        return self.params[name]


@dataclass(frozen=True)
class ColumnPolicy:
    """Overrides for one column: a default for all its spans and/or operators per entity type."""

    default: OperatorSpec | None = None
    entities: Mapping[str, OperatorSpec] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.default is not None:
            data["default"] = self.default.to_dict()
        data.update({entity: spec.to_dict() for entity, spec in self.entities.items()})
        return data


@dataclass(frozen=True)
class Policy:
    name: str
    default: OperatorSpec = field(default_factory=lambda: OperatorSpec("tag"))
    entities: Mapping[str, OperatorSpec] = field(default_factory=dict)
    columns: Mapping[str, ColumnPolicy] = field(default_factory=dict)
    description: str = ""
    locale: str | None = None
    custom_entities: tuple[str, ...] = ()

    def operator_for(self, entity_type: str, column: str | None = None) -> OperatorSpec:
        """The operator for a span of `entity_type` in `column` (see the module docstring for the order)."""
        override = self.columns.get(column) if column is not None else None
        if override is not None:
            if entity_type in override.entities:
                return override.entities[entity_type]
            if override.default is not None:
                return override.default
        return self.entities.get(entity_type, self.default)

    def all_specs(self) -> list[OperatorSpec]:
        specs = [self.default, *self.entities.values()]
        for override in self.columns.values():
            if override.default is not None:
                specs.append(override.default)
            specs.extend(override.entities.values())
        return specs

    def uses(self, operator: str) -> bool:
        return any(spec.operator == operator for spec in self.all_specs())

    # ---- serialisation ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        if self.locale:
            data["locale"] = self.locale
        if self.custom_entities:
            data["custom_entities"] = list(self.custom_entities)
        data["default"] = self.default.to_dict()
        data["entities"] = {entity: spec.to_dict() for entity, spec in self.entities.items()}
        if self.columns:
            data["columns"] = {column: override.to_dict() for column, override in self.columns.items()}
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)

    @classmethod
    def from_yaml(cls, text: str, *, source: str | Path | None = None) -> "Policy":
        refuse_hostile_yaml(text, source)
        return _policy_from_located(parse_yaml(text, source=str(source) if source is not None else None), source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        return _policy_from_located(LocatedData(dict(data), {}), None)

    def canonical_json(self) -> str:
        """The policy as JSON with sorted keys and no spacing: equal policies give equal text."""
        data = self.to_dict()
        data["entities"] = dict(sorted(data["entities"].items()))
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


def _names_a_file(text: str) -> bool:
    if "\n" in text:
        return False
    if text.lower().endswith((".yaml", ".yml")):
        return True
    try:
        return Path(text).is_file()
    except OSError:  # far too long for a file name: it is YAML text
        return False


def load_policy(path_or_text: str | Path) -> Policy:
    """A Policy from a YAML file (a Path, or a str naming an existing file) or from YAML text."""
    if isinstance(path_or_text, Path) or _names_a_file(path_or_text):
        path = Path(path_or_text)
        refuse_oversized_file(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PolicyError("the policy file does not exist.", path=path,
                              hint="Check the path, or name a preset instead.") from None
        except UnicodeDecodeError:
            raise PolicyError("the policy file is not UTF-8 text.", path=path) from None
        except OSError as error:
            raise PolicyError(f"the policy file cannot be read ({error.strerror}).", path=path) from None
        return Policy.from_yaml(text, source=path)
    return Policy.from_yaml(path_or_text)


# ---- validation ---------------------------------------------------------------------------------------

class _Validator:
    def __init__(self, located: LocatedData, source: str | Path | None):
        self.located = located
        self.source = source

    def fail(self, path: tuple, problem: str, hint: str | None = None) -> PolicyError:
        return PolicyError(problem, path=self.source, line=self.located.line(path),
                           field=".".join(str(part) for part in path) or None, hint=hint)

    def known_entities(self, custom: tuple[str, ...]) -> set[str]:
        return set(ENTITY_TYPES) | set(custom)

    def entity_type(self, path: tuple, name: str, known: set[str]) -> str:
        if name not in known:
            raise self.fail(path, f"'{name}' is not an entity type.",
                            hint=f"Use one of {', '.join(ENTITY_TYPES)}, or list it under custom_entities.")
        return name

    def operator_spec(self, path: tuple, value: Any, entity_type: str | None) -> OperatorSpec:
        if isinstance(value, str):
            value = {"operator": value}
        if not isinstance(value, dict):
            raise self.fail(path, "must be an operator name or a mapping with 'operator' and its parameters.")
        operator = value.get("operator")
        if operator is None:
            raise self.fail(path, "has no 'operator'.", hint=f"Operators: {', '.join(OPERATORS)}.")
        if operator not in OPERATORS:
            raise self.fail((*path, "operator"), f"'{operator}' is not an operator.",
                            hint=f"Operators: {', '.join(OPERATORS)}.")
        allowed = OPERATOR_ENTITY_TYPES.get(operator)
        if allowed is not None and entity_type not in allowed:
            target = "a default" if entity_type is None else entity_type
            raise self.fail((*path, "operator"), f"'{operator}' applies only to {', '.join(allowed)}, "
                                                  f"so it cannot be used for {target}.")
        params = {}
        for name, param in value.items():
            if name == "operator":
                continue
            problem = check_param(operator, name, param)
            if problem:
                raise self.fail((*path, name), problem)
            params[name] = param
        return OperatorSpec(operator, params)

    def mapping(self, path: tuple, value: Any) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, "must be a mapping.")
        return value

    def text(self, path: tuple, value: Any, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail(path, "is missing.")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(path, "must be text." if not isinstance(value, str) else "must not be empty.")
        return value


def _policy_from_located(located: LocatedData, source: str | Path | None) -> Policy:
    check = _Validator(located, source)
    data = located.data
    if not isinstance(data, dict):
        raise check.fail((), "a policy must be a YAML mapping with at least 'name' and 'default'.")
    for key in data:
        if key not in _TOP_LEVEL_FIELDS:
            raise check.fail((key,), f"'{key}' is not a policy field.", hint=f"Fields: {', '.join(_TOP_LEVEL_FIELDS)}.")
    name = check.text(("name",), data.get("name"), required=True)
    description = check.text(("description",), data.get("description")) or ""
    locale = check.text(("locale",), data.get("locale"))
    if locale is not None:
        from privdesk.core.mask.surrogates import known_locale

        if not known_locale(locale):
            raise check.fail(("locale",), f"'{locale}' is not a locale Faker knows.", hint="For example en_US, de_DE.")
    custom_raw = data.get("custom_entities") or []
    if not isinstance(custom_raw, list) or not all(isinstance(item, str) for item in custom_raw):
        raise check.fail(("custom_entities",), "must be a list of entity type names.")
    for index, item in enumerate(custom_raw):
        if not item or not item.replace("_", "").isalnum() or item.upper() != item:
            raise check.fail(("custom_entities", index), f"'{item}' must be upper case letters, digits and _.")
    custom = tuple(custom_raw)
    known = check.known_entities(custom)
    if "default" not in data:
        raise check.fail(("default",), "is missing: every policy names the operator for entity types it does not list.",
                         hint="Add for example `default: {operator: tag}`.")
    default = check.operator_spec(("default",), data["default"], None)
    entities = {}
    for entity, value in check.mapping(("entities",), data.get("entities")).items():
        check.entity_type(("entities", entity), entity, known)
        entities[entity] = check.operator_spec(("entities", entity), value, entity)
    columns = {}
    for column, value in check.mapping(("columns",), data.get("columns")).items():
        override_default = None
        override_entities = {}
        for key, spec in check.mapping(("columns", column), value).items():
            if key == "default":
                override_default = check.operator_spec(("columns", column, key), spec, None)
            else:
                check.entity_type(("columns", column, key), key, known)
                override_entities[key] = check.operator_spec(("columns", column, key), spec, key)
        columns[column] = ColumnPolicy(override_default, override_entities)
    return Policy(name=name or "", default=default, entities=entities, columns=columns, description=description,
                  locale=locale, custom_entities=custom)
