"""Our own recognizers on their own (no spaCy): addresses, phones, ages, dates, identifiers, organisations."""

from __future__ import annotations

import pytest

from privdesk.core.detect.recognizers.address import StreetAddressRecognizer
from privdesk.core.detect.recognizers.age import AgeRecognizer
from privdesk.core.detect.recognizers.dates import DatePatternRecognizer
from privdesk.core.detect.recognizers.keyed_ids import KEYED_IDENTIFIERS, KeyedIdentifierRecognizer
from privdesk.core.detect.recognizers.organization import OrganizationRecognizer
from privdesk.core.detect.recognizers.phone import PhoneNumberRecognizer
from privdesk.core.detect.resolve import Candidate, resolve


def texts_of(recognizer, text: str) -> list[str]:
    return [text[r.start:r.end] for r in recognizer.find(text)]


@pytest.mark.parametrize("text,address", [
    ("HQ: 1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA.", "1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA"),
    ("Ship to 123 Main St., Apt 4B, Springfield, IL 62704", "123 Main St., Apt 4B, Springfield, IL 62704"),
    ("Send to Flat 3, 12 High Road, Manchester M1 1AE please", "Flat 3, 12 High Road, Manchester M1 1AE"),
    ("Adresse: Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"),
    ("Lindenstr. 12a\n80331 München", "Lindenstr. 12a\n80331 München"),
    ("Il habite au 12 rue de la Paix, 75002 Paris.", "12 rue de la Paix, 75002 Paris"),
    ("Oficina en Calle Mayor 5, 28013 Madrid", "Calle Mayor 5, 28013 Madrid"),
    ("Keizersgracht 123, 1015 CJ Amsterdam", "Keizersgracht 123, 1015 CJ Amsterdam"),
    ("12 George St, Sydney NSW 2000", "12 George St, Sydney NSW 2000"),
    ("PO Box 1234, Anchorage, AK 99501", "PO Box 1234, Anchorage, AK 99501"),
    ("Office: 500 W. 5th Avenue Suite 200\nSeattle, WA 98101", "500 W. 5th Avenue Suite 200\nSeattle, WA 98101"),
    ("Customer moved to 77 Elm Road. Phone later.", "77 Elm Road"),
])
def test_street_addresses(text, address):
    assert texts_of(StreetAddressRecognizer(), text) == [address]


@pytest.mark.parametrize("text", ["In Spring 2021 we walked 5 blocks down the street.", "Take 500 mg twice daily.",
                                  "BP 120/80 and 3 Main concerns."])
def test_no_address_in_ordinary_prose(text):
    assert texts_of(StreetAddressRecognizer(), text) == []


@pytest.mark.parametrize("text,phone", [
    ("tel: 020 7946 0958", "020 7946 0958"),
    ("+44 20 7946 0958", "+44 20 7946 0958"),
    ("Tel. 030 12345678", "030 12345678"),
    ("+49 30 12345678", "+49 30 12345678"),
    ("06 12 34 56 78", "06 12 34 56 78"),
    ("+33 1 23 45 67 89", "+33 1 23 45 67 89"),
    ("Call (212) 555-1234 now", "(212) 555-1234"),
    ("001-202-555-0143x123", "001-202-555-0143x123"),
    ("+91 98765 43210", "+91 98765 43210"),
    ("ph 022 2345 6789", "022 2345 6789"),
])
def test_phone_numbers_of_many_countries(text, phone):
    assert texts_of(PhoneNumberRecognizer(), text) == [phone]


@pytest.mark.parametrize("text", ["SSN 123-45-6789", "2021-03-14", "MRN 12345678", "Account 123456789",
                                  "card 4111 1111 1111 1111", "CEP 01310-100"])
def test_phone_recognizer_leaves_other_numbers_alone(text):
    assert texts_of(PhoneNumberRecognizer(), text) == []


@pytest.mark.parametrize("text,age", [
    ("A 42-year-old man", "42"), ("patient aged 67 with", "67"), ("Age: 35", "35"), ("35 y/o female", "35"),
    ("a 70 yo male", "70"), ("42 years of age", "42"), ("at the age of 42 he", "42"), ("6-month-old infant", "6"),
    ("in her 80s", "80s"), ("John Smith, 54, of Boston", "54"), ("a 42M presents with chest pain", "42"),
])
def test_ages(text, age):
    assert texts_of(AgeRecognizer(), text) == [age]


@pytest.mark.parametrize("text", ["Take 500 mg twice daily for 3 days.", "age 5 days", "Raised $42M in funding",
                                  "Version 3.2 years", "aged 200 years"])
def test_no_age(text):
    assert texts_of(AgeRecognizer(), text) == []


@pytest.mark.parametrize("text,date", [
    ("DOB 03/14/2021.", "03/14/2021"), ("on 14.03.2021", "14.03.2021"), ("2021-03-14T09:15:00Z", "2021-03-14T09:15:00Z"),
    ("14/03/21", "14/03/21"), ("12-25-2020", "12-25-2020"), ("in May 2019", "May 2019"), ("Aug 5th", "Aug 5th"),
])
def test_dates(text, date):
    assert date in texts_of(DatePatternRecognizer(), text)


@pytest.mark.parametrize("text", ["Version 3.2.1 released", "BP 120/80", "ratio 1.2.12", "may be worse", "13/13/2020"])
def test_no_date(text):
    assert texts_of(DatePatternRecognizer(), text) == []


def test_keyed_identifiers_need_their_label():
    recognizers = [KeyedIdentifierRecognizer(spec) for spec in KEYED_IDENTIFIERS]
    def run(text):
        return [(text[r.start:r.end], r.entity_type) for rec in recognizers for r in rec.find(text)]
    assert run("DL# D1234567") == [("D1234567", "US_DRIVER_LICENSE")]
    assert run("Medical License: MD123456") == [("MD123456", "MEDICAL_LICENSE")]
    assert run("acct 0012-3456-789") == [("0012-3456-789", "US_BANK_NUMBER")]
    assert run("his license expired in 2020") == []
    assert run("D1234567 and 533380006") == []


def test_organizations_by_legal_form_and_kind():
    text = "Paid Rudolph GbR; seen at Leicester Children's Hospital; Ingram, Zimmerman and Dixon advised."
    assert texts_of(OrganizationRecognizer(), text) == [
        "Rudolph GbR", "Leicester Children's Hospital", "Ingram, Zimmerman and Dixon"]


def cand(text: str, part: str, entity_type: str, score: float, recognizer: str) -> Candidate:
    start = text.index(part)
    return Candidate(start, start + len(part), entity_type, score, recognizer)


def test_resolution_prefers_specific_and_longer_spans():
    text = "Email ann.lee@example.com about 221B Baker Street, London today"
    candidates = [
        cand(text, "ann.lee@example.com", "EMAIL_ADDRESS", 1.0, "EmailRecognizer"),
        cand(text, "example.com", "URL", 0.5, "BoundedUrlRecognizer"),
        cand(text, "ann.lee", "PERSON", 0.8, "SpacyNerRecognizer"),
        cand(text, "221B Baker Street", "LOCATION", 0.6, "StreetAddressRecognizer"),
        cand(text, "Baker Street", "LOCATION", 0.75, "SpacyNerRecognizer"),
        cand(text, "London", "LOCATION", 0.75, "SpacyNerRecognizer"),
        cand(text, "today", "DATE_TIME", 0.15, "SpacyNerRecognizer"),
    ]
    final = resolve(text, candidates, threshold=0.4)
    assert [(text[c.start:c.end], c.entity_type) for c in final] == [
        ("ann.lee@example.com", "EMAIL_ADDRESS"), ("221B Baker Street, London", "LOCATION")]


def test_resolution_merges_adjacent_person_tokens_and_trims_partial_overlaps():
    text = "Dr Sam Ortiz 555-0100 notes"
    candidates = [
        cand(text, "Sam", "PERSON", 0.8, "SpacyNerRecognizer"),
        cand(text, "Ortiz", "PERSON", 0.8, "SpacyNerRecognizer"),
        cand(text, "Ortiz 555-0100 notes", "ORGANIZATION", 0.6, "SpacyNerRecognizer"),
        cand(text, "555-0100", "PHONE_NUMBER", 0.9, "PhoneNumberRecognizer"),
    ]
    final = resolve(text, candidates, threshold=0.4)
    # The organisation loses to the phone number and the person; its lower-case leftover "notes" is no name.
    assert [(text[c.start:c.end], c.entity_type) for c in final] == [("Sam Ortiz", "PERSON"), ("555-0100", "PHONE_NUMBER")]


@pytest.mark.parametrize("text,address", [
    ("Lives at 46/88, Kale Zila, Gulbarga 614512.", "46/88, Kale Zila, Gulbarga 614512"),
    ("H.No. 190\nSeth Zila\nJamshedpur - 942644", "H.No. 190\nSeth Zila\nJamshedpur - 942644"),
    ("29683 Marquez Station Suite 077, Lopezport, MH 91434-9296", "29683 Marquez Station Suite 077, Lopezport, MH 91434-9296"),
    ("Via Roma, 18 Appartamento 31, 41022 Modena", "Via Roma, 18 Appartamento 31, 41022 Modena"),
    ("Mora em Trevo Emanuella Ribeiro, 999, 78024-843 Leão", "Trevo Emanuella Ribeiro, 999, 78024-843 Leão"),
    ("Cuesta Rosalina Blanca 191\n06070 La Rioja", "Cuesta Rosalina Blanca 191\n06070 La Rioja"),
    ("Ekgatan 8\n22623 Karlstad\nSverige", "Ekgatan 8\n22623 Karlstad\nSverige"),
    ("Jackdreef 43\n4899 FR Vilsteren", "Jackdreef 43\n4899 FR Vilsteren"),
    ("Studio 24, Turner Estates, Carolchester, GL1X 7ZB", "Studio 24, Turner Estates, Carolchester, GL1X 7ZB"),
])
def test_street_addresses_of_more_national_styles(text, address):
    assert texts_of(StreetAddressRecognizer(), text) == [address]


@pytest.mark.parametrize("text,age", [
    ("42 F with chest pain", "42"), ("42-y/o", "42"), ("42y male", "42"), ("my son is 12", "12"), ("He's 67 now", "67"),
    ("Age (years): 42", "42"), ("42 yoF", "42"), ("age at visit: 42", "42"), ("Age at admission 67", "67"),
    ("M, 42", "42"), ("42, female", "42"), ("(42F)", "42"), ("42 male", "42"), ("female, 42,", "42"),
    ("my father, 75, lives alone", "75"), ("mid-forties", "forties"), ("in her fifties", "fifties"),
])
def test_more_ways_of_writing_an_age(text, age):
    assert texts_of(AgeRecognizer(), text) == [age]


@pytest.mark.parametrize("text", ["42 male patients were enrolled", "room 42, female ward", "Size M, 42 cm", "42 males",
                                  "Telefone (21) 97324-6929", "my son is 12 months"])
def test_numbers_beside_sex_words_or_relations_that_are_no_age(text):
    assert texts_of(AgeRecognizer(), text) == []


@pytest.mark.parametrize("text,value,entity_type", [
    ("driver's license: C544-180-17-433-4", "C544-180-17-433-4", "US_DRIVER_LICENSE"),
    ("my driver's license number is M9004346 if you need it", "M9004346", "US_DRIVER_LICENSE"),
    ("DMV RENEWAL D1234567", "D1234567", "US_DRIVER_LICENSE"),
    ("dl d1234567 attached", "d1234567", "US_DRIVER_LICENSE"),
    ("Passport No: K 1234567", "K 1234567", "US_PASSPORT"),
    ("PASSPORT RENEWAL FEE 123456789", "123456789", "US_PASSPORT"),
    ("passport renewal fee, passport 606442820", "606442820", "US_PASSPORT"),
    ("wire to acct. 123-456789-0", "123-456789-0", "US_BANK_NUMBER"),
    ("ACH debit from checking 000123456789", "000123456789", "US_BANK_NUMBER"),
])
def test_keyed_identifiers_in_more_phrasings(text, value, entity_type):
    recognizers = [KeyedIdentifierRecognizer(spec) for spec in KEYED_IDENTIFIERS]
    assert [(text[r.start:r.end], r.entity_type) for rec in recognizers for r in rec.find(text)] == [(value, entity_type)]


@pytest.mark.parametrize("text", ["Account 2023-11-13 opened", "license issued 2021-07-17", "license to practice since 2005",
                                  "license plate ABC1234", "Copy of driver's license T261-1370-8855 and passport"])
def test_keyed_identifiers_leave_dates_words_and_plates_alone(text):
    recognizers = [KeyedIdentifierRecognizer(spec) for spec in KEYED_IDENTIFIERS]
    found = [text[r.start:r.end] for rec in recognizers for r in rec.find(text)]
    assert all(any(ch.isdigit() for ch in value) and " and " not in value for value in found)
    assert not any(value in ("2023-11-13", "2021-07-17", "ABC1234") or "since" in value for value in found)


@pytest.mark.parametrize("text,org", [
    ("Sent to Pharmacie Nelson yesterday.", "Pharmacie Nelson"), ("paid Baldwin Mutual", "Baldwin Mutual"),
    ("Patel Drugstore", "Patel Drugstore"), ("Martins Ribeiro e Filhos", "Martins Ribeiro e Filhos"),
    ("Rudolph Rörricht OHG mbH", "Rudolph Rörricht OHG mbH"), ("Roskoth Juncken AG & Co. OHG", "Roskoth Juncken AG & Co. OHG"),
    ("Wages Moreau et Fils", "Moreau et Fils"), ("Referred to Newcastle upon Tyne Memorial Hospital",
                                                  "Newcastle upon Tyne Memorial Hospital"),
])
def test_organizations_of_more_forms(text, org):
    assert org in texts_of(OrganizationRecognizer(), text)


@pytest.mark.parametrize("text", ["Our Health is fine.", "Bobby Gilbert. Insurance: none on file."])
def test_no_organization_across_a_sentence_or_from_a_lone_noun(text):
    assert texts_of(OrganizationRecognizer(), text) == []


def test_a_partial_specific_match_does_not_lend_its_rank_to_the_whole_joined_span():
    text = "Prescription sent to Everett Pharmacy today"
    candidates = [
        cand(text, "Everett Pharmacy", "PERSON", 0.8, "SpacyNerRecognizer"),
        cand(text, "Everett", "PERSON", 0.5, "PersonNameRecognizer"),
        cand(text, "Everett Pharmacy", "ORGANIZATION", 0.7, "OrganizationRecognizer"),
    ]
    final = resolve(text, candidates, threshold=0.4)
    assert [(text[c.start:c.end], c.entity_type) for c in final] == [("Everett Pharmacy", "ORGANIZATION")]
