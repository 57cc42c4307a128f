"""Each masking operator on its own, through the Masker the export and the GUI use."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from privdesk.core.mask import Masker, OperatorSpec, Policy, decrypt_value
from privdesk.core.mask.keying import subkey
from privdesk.core.types import Span

SECRET = hashlib.sha256(b"operator tests").digest()
OTHER_SECRET = hashlib.sha256(b"another project").digest()


def masker_for(entity: str, operator: str, secret: bytes = SECRET, **params) -> Masker:
    return Masker(Policy("test", entities={entity: OperatorSpec(operator, params)}), secret)


def mask_value(masker: Masker, text: str, entity: str, *, record: int = 0, column: str = "c") -> str:
    return masker.mask_text(text, [Span(record, column, 0, len(text), entity)], record=record, column=column).text


def test_redact_removes_the_value_and_reports_where():
    masker = masker_for("PERSON", "redact")
    result = masker.mask_text("Call Jane Roe now", [Span(0, "c", 5, 13, "PERSON")], column="c")
    assert result.text == "Call  now"
    [replacement] = result.replacements
    assert (replacement.start, replacement.end, replacement.new_start, replacement.new_end) == (5, 13, 5, 5)
    assert replacement.operator == "redact" and replacement.entity_type == "PERSON"


def test_redact_with_a_replacement_text():
    assert mask_value(masker_for("PERSON", "redact", replacement="[removed]"), "Jane", "PERSON") == "[removed]"


def test_tag_plain_and_labelled():
    assert mask_value(masker_for("PERSON", "tag"), "Jane Roe", "PERSON") == "<PERSON>"
    assert mask_value(masker_for("PERSON", "tag", label="NAME"), "Jane Roe", "PERSON") == "<NAME>"


def test_numbered_tags_stand_for_the_same_value_everywhere():
    masker = masker_for("PERSON", "tag", numbered=True)
    text = "Jane Roe met John Doe; later jane  roe called."
    spans = [Span(0, "c", 0, 8, "PERSON"), Span(0, "c", 13, 21, "PERSON"), Span(0, "c", 29, 38, "PERSON")]
    assert masker.mask_text(text, spans, column="c").text == "<PERSON_1> met <PERSON_2>; later <PERSON_1> called."
    # Across records and columns of one run the numbers hold.
    assert mask_value(masker, "John Doe", "PERSON", record=7, column="other") == "<PERSON_2>"
    assert mask_value(masker, "Ann Lee", "PERSON", record=8) == "<PERSON_3>"


@pytest.mark.parametrize(("text", "params", "expected"), [
    ("4111 1111 1111 1234", {"keep_last": 4}, "**** **** **** 1234"),
    ("4111-1111-1111-1234", {"keep_last": 4, "char": "#"}, "####-####-####-1234"),
    ("612-928-6690", {"keep_first": 3}, "612-***-****"),
    ("612-928-6690", {"keep_separators": False}, "************"),
    ("1234", {"keep_last": 4}, "**34"),  # never more than half shown: a short value never survives whole
    ("AB", {"keep_first": 5, "keep_last": 5}, "A*"),
])
def test_mask(text, params, expected):
    assert mask_value(masker_for("CREDIT_CARD", "mask", **params), text, "CREDIT_CARD") == expected


def test_hash_is_a_keyed_hmac_of_the_normal_form_truncated():
    masker = masker_for("PHONE_NUMBER", "hash", length=20)
    digest = mask_value(masker, "(612) 928-6690", "PHONE_NUMBER")
    key = subkey(SECRET, "hash")
    assert digest == hmac.new(key, b"6129286690", hashlib.sha256).hexdigest()[:20]
    assert re.fullmatch(r"[0-9a-f]{20}", digest)
    # Two spellings of one number hash alike, so hashed columns still join.
    assert mask_value(masker, "612 928 6690", "PHONE_NUMBER") == digest
    # An unkeyed hash would be the same for everyone; this one depends on the project secret.
    assert digest != hashlib.sha256(b"6129286690").hexdigest()[:20]
    assert mask_value(masker_for("PHONE_NUMBER", "hash", OTHER_SECRET, length=20), "(612) 928-6690",
                      "PHONE_NUMBER") != digest


def test_encrypt_siv_is_deterministic_authenticated_and_reversible():
    masker = masker_for("EMAIL_ADDRESS", "encrypt", mode="siv")
    token = mask_value(masker, "ann@example.org", "EMAIL_ADDRESS")
    assert token == mask_value(masker, "ann@example.org", "EMAIL_ADDRESS")  # joinable
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token) and "ann" not in token
    assert decrypt_value(token, SECRET, "EMAIL_ADDRESS", "siv") == "ann@example.org"
    with pytest.raises(ValueError):
        decrypt_value(token, OTHER_SECRET, "EMAIL_ADDRESS", "siv")
    with pytest.raises(ValueError):
        decrypt_value(token, SECRET, "PERSON", "siv")  # moved to another type: refused
    tampered = ("A" if token[0] != "A" else "B") + token[1:]
    with pytest.raises(ValueError):
        decrypt_value(tampered, SECRET, "EMAIL_ADDRESS", "siv")


def test_encrypt_gcm_uses_a_fresh_nonce_each_time():
    masker = masker_for("US_SSN", "encrypt", mode="gcm")
    first, second = (mask_value(masker, "123-45-6789", "US_SSN") for _ in range(2))
    assert first != second
    assert decrypt_value(first, SECRET, "US_SSN", "gcm") == decrypt_value(second, SECRET, "US_SSN", "gcm") == "123-45-6789"


def test_surrogate_is_consistent_across_runs_and_differs_per_secret():
    first = mask_value(masker_for("PERSON", "surrogate"), "Kathleen E. Payne", "PERSON")
    again = mask_value(masker_for("PERSON", "surrogate"), "Kathleen E. Payne", "PERSON")
    other = mask_value(masker_for("PERSON", "surrogate", OTHER_SECRET), "Kathleen E. Payne", "PERSON")
    assert first == again
    assert first != "Kathleen E. Payne" and other != first
    assert re.fullmatch(r"[A-Z][a-z'-]+ [A-Z]\. [A-Z][A-Za-z'-]+", first)


def test_date_shift_keeps_the_format_and_one_offset_per_record():
    masker = masker_for("DATE_TIME", "date_shift", max_days=30)
    text = "Seen 03/14/2021, again on 2021-03-20 and 20 March 2021."
    spans = [Span(0, "c", 5, 15, "DATE_TIME"), Span(0, "c", 26, 36, "DATE_TIME"), Span(0, "c", 41, 54, "DATE_TIME")]
    out = masker.mask_text(text, spans, column="c", record=4).text
    match = re.fullmatch(r"Seen (\d\d)/(\d\d)/(\d{4}), again on (\d{4})-(\d\d)-(\d\d) and (\d{1,2}) (\w+) (\d{4})\.", out)
    assert match, out
    import datetime as dt

    first = dt.date(int(match[3]), int(match[1]), int(match[2]))
    second = dt.date(int(match[4]), int(match[5]), int(match[6]))
    assert (second - first).days == 6  # intervals inside a record survive
    offset = (first - dt.date(2021, 3, 14)).days
    assert 1 <= abs(offset) <= 30


def test_date_shift_by_person_uses_the_same_offset_in_every_record_of_that_person():
    policy = Policy("t", entities={"DATE_TIME": OperatorSpec("date_shift", {"by": "person", "max_days": 200})})
    masker = Masker(policy, SECRET)
    results = []
    for record in range(6):
        cells = {"name": "Ann Lee", "dob": "1980-01-01"}
        spans = [Span(record, "name", 0, 7, "PERSON"), Span(record, "dob", 0, 10, "DATE_TIME")]
        results.append(masker.mask_record(cells, spans, record=record)["dob"].text)
    assert len(set(results)) == 1 and results[0] != "1980-01-01"
    other = masker.mask_record({"name": "Bob Stone", "dob": "1980-01-01"},
                               [Span(9, "name", 0, 9, "PERSON"), Span(9, "dob", 0, 10, "DATE_TIME")], record=9)
    assert other["dob"].text != results[0]


def test_unparseable_date_falls_back_to_a_tag_rather_than_leaking():
    masker = masker_for("DATE_TIME", "date_shift")
    result = masker.mask_text("on the ides of March", [Span(0, "c", 3, 20, "DATE_TIME")], column="c")
    assert result.text == "on <DATE_TIME>"
    assert result.replacements[0].operator == "tag" and result.replacements[0].fallback_from == "date_shift"
    assert masker.counts.fallbacks == 1
    redacting = masker_for("DATE_TIME", "date_shift", fallback="redact")
    assert mask_value(redacting, "sometime soon", "DATE_TIME") == ""


@pytest.mark.parametrize(("entity", "text", "expected"), [
    ("AGE", "42", "40-49"),
    ("AGE", "89", "80-89"),
    ("AGE", "90", "90+"),
    ("AGE", "104", "90+"),
    ("AGE", "7", "0-9"),
    ("AGE", "42-year-old", "40-49-year-old"),
    ("AGE", "33.5", "30-39"),
    ("ZIP_CODE", "94107", "941"),
    ("ZIP_CODE", "94107-1234", "941"),
    ("ZIP_CODE", "03601", "000"),  # HIPAA: 036 covers fewer than 20,000 people
    ("ZIP_CODE", "89301", "000"),
    ("DATE_TIME", "March 14, 2021", "2021"),
    ("DATE_TIME", "14.03.1987", "1987"),
])
def test_generalize(entity, text, expected):
    assert mask_value(masker_for(entity, "generalize"), text, entity) == expected


def test_generalize_with_other_bands_and_fallback():
    assert mask_value(masker_for("AGE", "generalize", age_band=5), "42", "AGE") == "40-44"
    assert mask_value(masker_for("AGE", "generalize", age_band=20), "85", "AGE") == "80-89"
    assert mask_value(masker_for("AGE", "generalize"), "forty", "AGE") == "<AGE>"
    assert mask_value(masker_for("ZIP_CODE", "generalize"), "SW1A 1AA", "ZIP_CODE") == "<ZIP_CODE>"


def test_keep_leaves_the_value_but_still_reports_it():
    result = masker_for("NRP", "keep").mask_text("a Catholic school", [Span(0, "c", 2, 10, "NRP")], column="c")
    assert result.text == "a Catholic school"
    assert result.replacements[0].operator == "keep"


def test_operators_follow_the_policy_per_column():
    policy = Policy.from_yaml("""
name: columns
default: tag
entities: {PERSON: surrogate}
columns:
  signature: {default: redact}
  author: {PERSON: {operator: tag, label: AUTHOR}}
""")
    masker = Masker(policy, SECRET)
    spans = [Span(0, "body", 0, 8, "PERSON"), Span(0, "signature", 0, 8, "PERSON"), Span(0, "author", 0, 8, "PERSON"),
             Span(0, "body", 9, 20, "PHONE_NUMBER")]
    cells = {"body": "Jane Roe 555-0100-22", "signature": "Jane Roe", "author": "Jane Roe"}
    out = masker.mask_record(cells, spans, record=0)
    assert out["signature"].text == "" and out["author"].text == "<AUTHOR>"
    assert out["body"].text.endswith(" <PHONE_NUMBER>") and not out["body"].text.startswith("Jane Roe")


def test_spans_outside_the_text_or_naming_missing_columns_are_refused():
    from privdesk.core.mask import MaskingError

    masker = masker_for("PERSON", "tag")
    with pytest.raises(MaskingError, match="outside the cell"):
        masker.mask_text("short", [Span(3, "c", 2, 40, "PERSON")], record=3, column="c")
    with pytest.raises(MaskingError, match="column 'missing'"):
        masker.mask_record({"c": "text"}, [Span(0, "missing", 0, 2, "PERSON")], record=0)


def test_counts_per_entity_and_operator():
    masker = Masker(Policy("t", entities={"EMAIL_ADDRESS": OperatorSpec("hash")}), SECRET)
    masker.mask_text("a@b.io and Jane", [Span(0, "c", 0, 6, "EMAIL_ADDRESS"), Span(0, "c", 11, 15, "PERSON")], column="c")
    assert masker.counts.by_entity() == {"EMAIL_ADDRESS": 1, "PERSON": 1}
    assert masker.counts.by_operator() == {"hash": 1, "tag": 1}
