"""Column role suggestions on realistic columns, and the content checks behind them."""

from __future__ import annotations

import pytest
from faker import Faker

from privdesk.core.dataset import suggest_roles
from privdesk.core.dataset.roles import (
    is_credit_card,
    is_date,
    is_email,
    is_iban,
    is_phone,
    is_ssn,
    luhn_valid,
    name_tokens,
)
from privdesk.core.types import ENTITY_TYPES, IGNORE, TEXT, ColumnRole

ROWS = 60


@pytest.fixture(scope="module")
def realistic_columns() -> dict[str, list]:
    fake = Faker("en_US")
    fake.seed_instance(7)
    columns = {
        "patient_id": [f"P{i:06d}" for i in range(ROWS)],
        "id": list(range(ROWS)),
        "first_name": [fake.first_name() for _ in range(ROWS)],
        "Patient": [fake.name() for _ in range(ROWS)],
        "patient.lastName": [fake.last_name() for _ in range(ROWS)],
        "email": [fake.email() for _ in range(ROWS)],
        "contact": [fake.email() for _ in range(ROWS)],  # the content, not the name, says e-mail
        "col7": [fake.email() for _ in range(ROWS)],
        "phone": [fake.msisdn()[:10] for _ in range(ROWS)],  # bare digits: only the name says phone
        "tel": [fake.basic_phone_number() for _ in range(ROWS)],
        "callback": [fake.phone_number() for _ in range(ROWS)],
        "ssn": [fake.ssn() for _ in range(ROWS)],
        "dob": [fake.date_of_birth().isoformat() for _ in range(ROWS)],
        "birth_date": [fake.date_of_birth().strftime("%m/%d/%Y") for _ in range(ROWS)],
        "created_at": [fake.iso8601() for _ in range(ROWS)],
        "address": [fake.address().replace("\n", ", ") for _ in range(ROWS)],
        "city": [fake.city() for _ in range(ROWS)],
        "zip": [fake.zipcode() for _ in range(ROWS)],
        "postcode": [int(fake.zipcode()) for _ in range(ROWS)],  # a ZIP that lost its text type
        "iban": [fake.iban() for _ in range(ROWS)],
        "card_number": [fake.credit_card_number() for _ in range(ROWS)],
        "payment": [fake.credit_card_number("visa16") for _ in range(ROWS)],
        "ip": [fake.ipv4() for _ in range(ROWS)],
        "client_addr6": [fake.ipv6() for _ in range(ROWS)],
        "website": [fake.url() for _ in range(ROWS)],
        "company": [fake.company() for _ in range(ROWS)],
        "nationality": [fake.country() for _ in range(ROWS)],
        "age": [fake.random_int(0, 99) for _ in range(ROWS)],
        "notes": [fake.paragraph() for _ in range(ROWS)],
        "comment": [fake.sentence() for _ in range(ROWS)],
        "amount": [f"{fake.pyfloat(2, 2, positive=True)}" for _ in range(ROWS)],
        "balance": [fake.pyfloat() for _ in range(ROWS)],
        "active": [str(fake.boolean()).lower() for _ in range(ROWS)],
        "verified": [fake.boolean() for _ in range(ROWS)],
        "status": [fake.random_element(["open", "closed", "waiting for the customer to reply"]) for _ in range(ROWS)],
        "email_opt_in": [fake.random_element(["yes", "no"]) for _ in range(ROWS)],
        "customer_segment": [fake.random_element(["retail", "corporate"]) for _ in range(ROWS)],
        "file_name": [fake.file_name() for _ in range(ROWS)],
        "request_uuid": [fake.uuid4() for _ in range(ROWS)],
        "case_no": [f"2024-{i:06d}" for i in range(ROWS)],
        "spans": [[{"start": 0, "end": 4, "label": "PERSON"}] for _ in range(ROWS)],
        "blank": [""] * (ROWS - 1) + [None],
    }
    return columns


EXPECTED = {
    "patient_id": IGNORE,
    "id": IGNORE,
    "first_name": ColumnRole("identifier", "PERSON"),
    "Patient": ColumnRole("identifier", "PERSON"),
    "patient.lastName": ColumnRole("identifier", "PERSON"),
    "email": ColumnRole("identifier", "EMAIL_ADDRESS"),
    "contact": ColumnRole("identifier", "EMAIL_ADDRESS"),
    "col7": ColumnRole("identifier", "EMAIL_ADDRESS"),
    "phone": ColumnRole("identifier", "PHONE_NUMBER"),
    "tel": ColumnRole("identifier", "PHONE_NUMBER"),
    "callback": ColumnRole("identifier", "PHONE_NUMBER"),
    "ssn": ColumnRole("identifier", "US_SSN"),
    "dob": ColumnRole("identifier", "DATE_TIME"),
    "birth_date": ColumnRole("identifier", "DATE_TIME"),
    "created_at": ColumnRole("identifier", "DATE_TIME"),
    "address": ColumnRole("identifier", "LOCATION"),
    "city": ColumnRole("identifier", "LOCATION"),
    "zip": ColumnRole("identifier", "ZIP_CODE"),
    "postcode": ColumnRole("identifier", "ZIP_CODE"),
    "iban": ColumnRole("identifier", "IBAN_CODE"),
    "card_number": ColumnRole("identifier", "CREDIT_CARD"),
    "payment": ColumnRole("identifier", "CREDIT_CARD"),
    "ip": ColumnRole("identifier", "IP_ADDRESS"),
    "client_addr6": ColumnRole("identifier", "IP_ADDRESS"),
    "website": ColumnRole("identifier", "URL"),
    "company": ColumnRole("identifier", "ORGANIZATION"),
    "nationality": ColumnRole("identifier", "NRP"),
    "age": ColumnRole("identifier", "AGE"),
    "notes": TEXT,
    "comment": TEXT,
    "amount": IGNORE,
    "balance": IGNORE,
    "active": IGNORE,
    "verified": IGNORE,
    "status": IGNORE,
    "email_opt_in": IGNORE,
    "customer_segment": IGNORE,
    "file_name": IGNORE,
    "request_uuid": IGNORE,
    "case_no": IGNORE,
    "spans": IGNORE,
    "blank": IGNORE,
}


def test_roles_on_realistic_columns(realistic_columns):
    roles = suggest_roles(realistic_columns)
    assert list(roles) == list(realistic_columns)
    wrong = {name: str(role) for name, role in roles.items() if role != EXPECTED[name]}
    assert wrong == {}
    assert all(role.entity_type in ENTITY_TYPES for role in roles.values() if role.kind == "identifier")


def test_a_few_bad_values_do_not_change_the_verdict(realistic_columns):
    emails = realistic_columns["email"][:50] + ["n/a"] * 5 + [""] * 20 + [None] * 20
    assert suggest_roles({"contact": emails})["contact"] == ColumnRole("identifier", "EMAIL_ADDRESS")
    mostly_not = realistic_columns["email"][:10] + ["unknown"] * 20
    assert suggest_roles({"owner_info": mostly_not})["owner_info"] == IGNORE


def test_names_need_fitting_content():
    long_prose = ["The patient was admitted overnight with chest pain and discharged after tests came back."] * 3
    assert suggest_roles({"name": long_prose, "zip": ["see notes", "unknown", "n/a"]}) == {
        "name": TEXT, "zip": IGNORE}


def test_free_text_in_other_languages_and_short_chat_lines():
    texts = ["患者は昨日の夜に入院しました 。 検査の結果 は 明日", "Der Patient wurde gestern aufgenommen",
             "مرحبا، اسمي أحمد وأنا من القاهرة", "hi Ann, call me back please"]
    assert suggest_roles({"message": texts})["message"] == TEXT


def test_empty_input():
    assert suggest_roles({}) == {}
    assert suggest_roles({"a": []}) == {"a": IGNORE}


@pytest.mark.parametrize(("column", "tokens"), [
    ("patient.firstName", ["patient", "first", "name", "patientfirst", "firstname"]),
    ("E-Mail Address", ["e", "mail", "address", "email", "mailaddress"]),
    ("zip_code_5", ["zip", "code", "zipcode"]),
])
def test_name_tokens(column, tokens):
    assert name_tokens(column) == tokens


def test_content_checks():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert is_credit_card("4111 1111 1111 1111") and not is_credit_card("1234 5678 9012 3456")
    assert is_iban("DE89 3704 0044 0532 0130 00") and not is_iban("DE88 3704 0044 0532 0130 00")
    assert is_ssn("123-45-6789") and not is_ssn("000-45-6789") and not is_ssn("666-12-3456")
    assert is_email("ann.o'neil+tag@mail.example.co.uk") and not is_email("ann@localhost")
    assert is_date("2024-02-29") and not is_date("2023-02-29") and is_date("31.12.1999") and is_date("March 3, 2021")
    assert is_phone("+44 20 7946 0958") and is_phone("(555) 010-9999") and is_phone("555.010.9999")
    assert not is_phone("2024-01-15") and not is_phone("192.168.100.200") and not is_phone("123-45-6789")
    assert not is_phone("2024-000123")  # a case number is not a phone number
