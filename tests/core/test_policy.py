"""Policies: YAML in and out, validation errors that name the line and field, presets, canonical hash."""

from __future__ import annotations

import textwrap

import pytest

from privdesk.core.errors import PrivDeskError
from privdesk.core.mask import OPERATORS, OperatorSpec, Policy, PolicyError, load_policy, load_preset, preset_names
from privdesk.core.mask.presets import resolve_policy
from privdesk.core.types import ENTITY_TYPES

GOOD = textwrap.dedent("""\
    name: Study policy
    description: for the test
    locale: de_DE
    default: {operator: tag}
    entities:
      PERSON: {operator: surrogate}
      PHONE_NUMBER: {operator: mask, keep_last: 4, char: "#"}
      AGE: generalize
    columns:
      dob:
        DATE_TIME: {operator: date_shift, by: person, max_days: 30}
      free_text:
        default: {operator: redact}
    """)


def test_load_fills_in_defaults_and_resolves_operators_in_order():
    policy = Policy.from_yaml(GOOD)
    assert policy.name == "Study policy" and policy.locale == "de_DE"
    assert policy.operator_for("PHONE_NUMBER").params == {"char": "#", "keep_first": 0, "keep_last": 4,
                                                          "keep_separators": True}
    assert policy.operator_for("AGE").params["age_band"] == 10
    assert policy.operator_for("PERSON", "dob").operator == "surrogate"  # no override for PERSON in dob
    assert policy.operator_for("DATE_TIME", "dob").operator == "date_shift"
    assert policy.operator_for("DATE_TIME", "notes").operator == "tag"  # falls to the default
    assert policy.operator_for("PERSON", "free_text").operator == "redact"  # column default beats entity


def test_yaml_round_trip_and_canonical_hash():
    policy = Policy.from_yaml(GOOD)
    again = Policy.from_yaml(policy.to_yaml())
    assert again == policy
    assert again.sha256() == policy.sha256()
    # Spelling out a default parameter, or reordering entities, does not change the policy's hash...
    terse = Policy.from_yaml("name: p\ndefault: tag\nentities: {EMAIL_ADDRESS: hash, PERSON: surrogate}\n")
    verbose = Policy.from_yaml("name: p\ndefault: {operator: tag, numbered: false}\n"
                               "entities:\n  PERSON: {operator: surrogate}\n  EMAIL_ADDRESS: {operator: hash, length: 16}\n")
    assert terse.sha256() == verbose.sha256()
    # ... but any real change does.
    changed = Policy.from_yaml("name: p\ndefault: tag\nentities: {EMAIL_ADDRESS: {operator: hash, length: 20}, "
                               "PERSON: surrogate}\n")
    assert changed.sha256() != terse.sha256()
    assert len(terse.sha256()) == 64


def test_from_dict_and_plain_construction():
    built = Policy("p", default=OperatorSpec("redact"), entities={"PERSON": OperatorSpec("tag", {"numbered": True})})
    assert Policy.from_dict(built.to_dict()) == built
    with pytest.raises(ValueError):
        OperatorSpec("shred")
    with pytest.raises(ValueError):
        OperatorSpec("mask", {"keep_last": "four"})


def error_for(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        Policy.from_yaml(textwrap.dedent(text), source="study.yaml")
    assert isinstance(caught.value, PrivDeskError)
    return caught.value


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("name: p\ndefault: tag\nentities:\n  PERSON: {operator: shred}\n", 4, "entities.PERSON.operator", "not an operator"),
    ("name: p\ndefault: tag\nentities:\n  PERSN: tag\n", 4, "entities.PERSN", "not an entity type"),
    ("name: p\ndefault: tag\nentities:\n  PHONE_NUMBER:\n    operator: mask\n    keep_last: four\n", 6,
     "entities.PHONE_NUMBER.keep_last", "whole number"),
    ("name: p\ndefault: tag\nentities:\n  PHONE_NUMBER:\n    operator: mask\n    keep_last: true\n", 6,
     "entities.PHONE_NUMBER.keep_last", "true/false"),
    ("name: p\ndefault: tag\nentities:\n  PHONE_NUMBER: {operator: hash, size: 8}\n", 4,
     "entities.PHONE_NUMBER.size", "not a parameter of 'hash'"),
    ("name: p\ndefault: tag\nentities:\n  EMAIL_ADDRESS: {operator: hash, length: 4}\n", 4,
     "entities.EMAIL_ADDRESS.length", "between 8 and 64"),
    ("name: p\ndefault: tag\nentities:\n  PERSON: {operator: generalize}\n", 4, "entities.PERSON.operator",
     "applies only to AGE, ZIP_CODE, DATE_TIME"),
    ("name: p\ndefault: date_shift\n", 2, "default.operator", "cannot be used for a default"),
    ("name: p\n", 1, "default", "is missing"),
    ("default: tag\n", 1, "name", "is missing"),
    ("name: p\ndefault: tag\nentitys: {}\n", 3, "entitys", "not a policy field"),
    ("name: p\ndefault: tag\nentities:\n  PERSON: tag\n  PERSON: redact\n", 5, "entities.PERSON", "appears twice"),
    ("name: p\ndefault: tag\ncolumns:\n  notes:\n    PERSON: {operator: encrypt, mode: ecb}\n", 5,
     "columns.notes.PERSON.mode", "must be one of: siv, gcm"),
    ("name: p\ndefault: tag\nlocale: xx_YY\n", 3, "locale", "not a locale"),
    ("name: p\ndefault: {operator: tag\n", 3, None, "not valid YAML"),
    ("- just\n- a list\n", 1, None, "must be a YAML mapping"),
])
def test_errors_name_the_line_and_the_field(text, line, field, words):
    error = error_for(text)
    assert error.line == line
    assert error.field == field
    assert words in error.message
    assert "study.yaml" in error.message and f"line {line}" in error.message


def test_load_policy_from_a_file_and_from_text(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_policy(path) == load_policy(str(path)) == load_policy(GOOD)
    one_line = "{name: flow, default: redact, entities: {PERSON: tag}, description: '" + "x" * 400 + "'}"
    assert load_policy(one_line).operator_for("PERSON").operator == "tag"
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: p\ndefault: tag\nentities:\n  AGE: {operator: generalize, age_band: 0}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad.yaml: line 4, field 'entities.AGE.age_band'"):
        load_policy(bad)


def test_custom_entity_types_must_be_declared():
    policy = Policy.from_yaml("name: p\ndefault: tag\ncustom_entities: [EMPLOYEE_ID]\nentities: {EMPLOYEE_ID: hash}\n")
    assert policy.operator_for("EMPLOYEE_ID").operator == "hash"
    assert Policy.from_yaml(policy.to_yaml()) == policy


def test_presets_are_bundled_valid_and_mask_every_entity_type():
    assert {"hipaa_safe_harbor", "gdpr_pseudonymisation", "pci_dss", "llm_training"} <= set(preset_names())
    for name in preset_names():
        policy = load_preset(name)
        assert policy.description
        for entity in ENTITY_TYPES:
            assert policy.operator_for(entity).operator in OPERATORS
            assert policy.operator_for(entity).operator != "keep", (name, entity)
    assert resolve_policy("pci_dss") == load_preset("pci_dss")
    with pytest.raises(PolicyError, match="neither a policy file nor a preset"):
        resolve_policy("hipaa")


def test_preset_specifics():
    hipaa = load_preset("hipaa_safe_harbor")
    assert hipaa.operator_for("AGE").operator == "generalize" and hipaa.operator_for("AGE").params["top_age"] == 90
    assert hipaa.operator_for("DATE_TIME").operator == "generalize"
    assert hipaa.operator_for("PERSON").params["numbered"] is True
    llm = load_preset("llm_training")
    assert all(llm.operator_for(entity).operator == "surrogate" for entity in ENTITY_TYPES if entity != "DATE_TIME")
    assert llm.operator_for("DATE_TIME").operator == "date_shift"  # surrogate dates that keep a record's order
    pci = load_preset("pci_dss")
    assert pci.operator_for("CREDIT_CARD").operator == "mask" and pci.operator_for("CREDIT_CARD").params["keep_last"] == 4
    gdpr = load_preset("gdpr_pseudonymisation")
    assert gdpr.operator_for("EMAIL_ADDRESS").params["mode"] == "siv"
    assert gdpr.operator_for("DATE_TIME").params["by"] == "person"
