"""What each masking operator accepts: its parameters, their types, ranges and defaults.

Policies are validated against this table when they are loaded, so a typo in a YAML file is
reported with its line instead of surfacing as a wrong result in the exported data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

OPERATORS: tuple[str, ...] = ("redact", "tag", "mask", "hash", "encrypt", "surrogate", "date_shift", "generalize", "keep")

# Operators that only make sense for some entity types, and so cannot be a policy's default.
OPERATOR_ENTITY_TYPES: dict[str, tuple[str, ...]] = {
    "date_shift": ("DATE_TIME",),
    "generalize": ("AGE", "ZIP_CODE", "DATE_TIME"),
}

FALLBACKS: tuple[str, ...] = ("tag", "redact")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its Python type(s), default and an extra check returning a problem or None."""

    types: tuple[type, ...]
    default: Any
    check: Callable[[Any], str | None] | None = None
    help: str = ""


def _between(low: int, high: int) -> Callable[[Any], str | None]:
    return lambda value: None if low <= value <= high else f"must be between {low} and {high}"


def _one_of(*choices: str) -> Callable[[Any], str | None]:
    return lambda value: None if value in choices else f"must be one of: {', '.join(choices)}"


def _single_character(value: Any) -> str | None:
    return None if len(value) == 1 else "must be a single character"


def _label(value: Any) -> str | None:
    if value is None:
        return None
    return None if value and all(ch.isalnum() or ch in "_-" for ch in value) else "may hold only letters, digits, _ and -"


def _locale(value: Any) -> str | None:
    if value is None:
        return None
    from privdesk.core.mask.surrogates import known_locale  # Faker's locale list is loaded only when asked

    return None if known_locale(value) else "is not a locale Faker knows (for example en_US, de_DE, fr_FR)"


_FALLBACK = ParamSpec((str,), "tag", _one_of(*FALLBACKS), "what to do when the value cannot be handled (tag or redact)")

OPERATOR_PARAMS: dict[str, dict[str, ParamSpec]] = {
    "redact": {
        "replacement": ParamSpec((str,), "", None, "text put in place of the value (default: nothing)"),
    },
    "tag": {
        "numbered": ParamSpec((bool,), False, None, "number each distinct value: <PERSON_1> is always the same person"),
        "label": ParamSpec((str, type(None)), None, _label, "the tag's name (default: the entity type)"),
    },
    "mask": {
        "char": ParamSpec((str,), "*", _single_character, "the masking character"),
        "keep_first": ParamSpec((int,), 0, _between(0, 64), "characters left visible at the start"),
        "keep_last": ParamSpec((int,), 0, _between(0, 64), "characters left visible at the end"),
        "keep_separators": ParamSpec((bool,), True, None, "leave spaces, dashes, dots and similar as they are"),
    },
    "hash": {
        "length": ParamSpec((int,), 16, _between(8, 64), "hex characters of the keyed HMAC-SHA-256 kept"),
    },
    "encrypt": {
        "mode": ParamSpec((str,), "siv", _one_of("siv", "gcm"),
                          "siv: deterministic (the same value gives the same ciphertext, so columns stay joinable); "
                          "gcm: a random nonce each time"),
    },
    "surrogate": {
        "locale": ParamSpec((str, type(None)), None, _locale, "Faker locale of the fake values (default: the policy's)"),
        "fallback": _FALLBACK,
    },
    "date_shift": {
        "by": ParamSpec((str,), "record", _one_of("record", "person"), "one offset per record, or per person"),
        "max_days": ParamSpec((int,), 365, _between(1, 36500), "largest shift in days, either way"),
        "person_column": ParamSpec((str, type(None)), None, None,
                                   "column naming the person (default: the first PERSON span of the record)"),
        "day_first": ParamSpec((bool,), False, None, "read 03/04/2021 as 3 April rather than March 4"),
        "fallback": _FALLBACK,
    },
    "generalize": {
        "age_band": ParamSpec((int,), 10, _between(1, 50), "width of the age bands (42 -> 40-49)"),
        "top_age": ParamSpec((int,), 90, _between(2, 150), "ages from this one up become '<top_age>+'"),
        "fallback": _FALLBACK,
    },
    "keep": {},
}

assert set(OPERATOR_PARAMS) == set(OPERATORS)


def check_param(operator: str, name: str, value: Any) -> str | None:
    """The problem with one parameter value, or None when it is fine."""
    spec = OPERATOR_PARAMS[operator].get(name)
    if spec is None:
        known = ", ".join(OPERATOR_PARAMS[operator]) or "none"
        return f"is not a parameter of '{operator}' (its parameters: {known})"
    # bool is a subclass of int: `keep_last: true` must not pass as 1.
    if isinstance(value, bool) and bool not in spec.types:
        return f"must be {_type_names(spec.types)}, not true/false"
    if not isinstance(value, spec.types):
        return f"must be {_type_names(spec.types)}, not {_yaml_kind(value)}"
    return spec.check(value) if spec.check is not None else None


def default_params(operator: str) -> dict[str, Any]:
    return {name: spec.default for name, spec in OPERATOR_PARAMS[operator].items()}


def _type_names(types: tuple[type, ...]) -> str:
    names = {bool: "true or false", int: "a whole number", str: "text", type(None): "empty"}
    return " or ".join(names.get(kind, kind.__name__) for kind in types)


def _yaml_kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    return {int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)
