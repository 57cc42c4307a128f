"""The detection engine end to end (spaCy + Presidio + our recognizers) on sentences written for these tests."""

from __future__ import annotations

import pytest

from privdesk.core.detect import DetectedSpan, DetectionEngine, DetectionSettings


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    # The spaCy model is loaded once per process and shared by every engine (see nlp.shared_spacy_model).
    return DetectionEngine()


def found(engine: DetectionEngine, text: str, entity_type: str | None = None) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.entity_type) for s in engine.analyze_text(text)
            if entity_type is None or s.entity_type == entity_type]


def assert_found(engine: DetectionEngine, text: str, value: str, entity_type: str) -> None:
    spans = found(engine, text)
    assert (value, entity_type) in spans, f"{entity_type} {value!r} not found in {text!r}; got {spans}"


CASES = [
    # PERSON
    ("Patient Margaret Okonkwo was admitted overnight.", "Margaret Okonkwo", "PERSON"),
    ("I spoke with Tomasz Wiśniewski about the refund.", "Tomasz Wiśniewski", "PERSON"),
    ("Kind regards,\nPriya Raghunathan\nAccounts team", "Priya Raghunathan", "PERSON"),
    ("Referred by Dr. Hannah Schultz for follow-up.", "Hannah Schultz", "PERSON"),
    # LOCATION (places and whole addresses)
    ("She flew from Nairobi to Toronto last spring.", "Nairobi", "LOCATION"),
    ("Ship the replacement to 1600 Amphitheatre Pkwy, Mountain View, CA 94043 by Friday.",
     "1600 Amphitheatre Pkwy, Mountain View, CA 94043", "LOCATION"),
    ("Home address: 221B Baker Street\nLondon NW1 6XE\nPhone on file.", "221B Baker Street\nLondon NW1 6XE", "LOCATION"),
    ("Bitte an Lindenstraße 12a, 80331 München schicken.", "Lindenstraße 12a, 80331 München", "LOCATION"),
    ("Le patient habite 14 rue des Lilas, 69003 Lyon depuis mai.", "14 rue des Lilas, 69003 Lyon", "LOCATION"),
    ("Mailing address is 77 Queen St W, Apt 5, Toronto, ON M5H 2M9.", "77 Queen St W, Apt 5, Toronto, ON M5H 2M9", "LOCATION"),
    # ORGANIZATION
    ("The claim was rejected by Northwind Insurance Ltd. yesterday.", "Northwind Insurance Ltd.", "ORGANIZATION"),
    ("He works at Microsoft in the cloud division.", "Microsoft", "ORGANIZATION"),
    ("Transferred to St. Catherine's Hospital on arrival.", "St. Catherine's Hospital", "ORGANIZATION"),
    # DATE_TIME in several formats
    ("DOB 03/14/1979, seen today.", "03/14/1979", "DATE_TIME"),
    ("Termin am 14.03.2021 bestätigt.", "14.03.2021", "DATE_TIME"),
    ("Logged at 2021-03-14 by the system.", "2021-03-14", "DATE_TIME"),
    ("Surgery is booked for March 14, 2021.", "March 14, 2021", "DATE_TIME"),
    ("The card expired on 14 Mar 2021 apparently.", "14 Mar 2021", "DATE_TIME"),
    # AGE in several phrasings
    ("A 42-year-old man presented with chest pain.", "42", "AGE"),
    ("Patient aged 67 with a history of COPD.", "67", "AGE"),
    ("Age: 35\nSex: F", "35", "AGE"),
    ("35 y/o female, no known allergies.", "35", "AGE"),
    ("CC: a 70 yo male with dizziness.", "70", "AGE"),
    ("She is 29 years old and lives alone.", "29", "AGE"),
    # NRP
    ("The family are devout Sikhs from Punjab.", "Sikhs", "NRP"),
    ("He is Brazilian and speaks Portuguese at home.", "Brazilian", "NRP"),
    # PHONE_NUMBER, national formats
    ("UK office: 020 7946 0958.", "020 7946 0958", "PHONE_NUMBER"),
    ("Call the clinic on +44 161 496 0000 to rebook.", "+44 161 496 0000", "PHONE_NUMBER"),
    ("Rückruf unter 030 12345678 erbeten.", "030 12345678", "PHONE_NUMBER"),
    ("Appelez le 01 42 68 53 00 avant midi.", "01 42 68 53 00", "PHONE_NUMBER"),
    ("My cell is (415) 555-2671, text anytime.", "(415) 555-2671", "PHONE_NUMBER"),
    ("Reach him on +91 98765 43210 after 6pm.", "+91 98765 43210", "PHONE_NUMBER"),
    ("Mobile: 98765 43210", "98765 43210", "PHONE_NUMBER"),
    # EMAIL_ADDRESS
    ("Send the scan to j.rivera+claims@example.co.uk please.", "j.rivera+claims@example.co.uk", "EMAIL_ADDRESS"),
    ("contact: anna_k@mail.example.org", "anna_k@mail.example.org", "EMAIL_ADDRESS"),
    # CREDIT_CARD
    ("Charged to card 4111 1111 1111 1111 on the 3rd.", "4111 1111 1111 1111", "CREDIT_CARD"),
    ("Visa 4012-8888-8888-1881 declined.", "4012-8888-8888-1881", "CREDIT_CARD"),
    # IBAN_CODE
    ("Please refund to IBAN DE89 3704 0044 0532 0130 00.", "DE89 3704 0044 0532 0130 00", "IBAN_CODE"),
    ("Beneficiary GB82WEST12345698765432, reference 44.", "GB82WEST12345698765432", "IBAN_CODE"),
    # US_SSN
    ("SSN: 536-22-8726 on the intake form.", "536-22-8726", "US_SSN"),
    ("social security number 536228726 was verified", "536228726", "US_SSN"),
    # US_DRIVER_LICENSE
    ("Driver's license D1234567 was scanned at check-in.", "D1234567", "US_DRIVER_LICENSE"),
    ("I attached my driver license (S123-4567-8901) to the ticket.", "S123-4567-8901", "US_DRIVER_LICENSE"),
    # US_PASSPORT
    ("Passport number: 533380006, issued 2019.", "533380006", "US_PASSPORT"),
    ("Her passport no. C03005988 expires soon.", "C03005988", "US_PASSPORT"),
    # US_BANK_NUMBER
    ("Direct deposit to account 000123456789 failed.", "000123456789", "US_BANK_NUMBER"),
    ("Paid from checking acct 4410-2231-889 twice.", "4410-2231-889", "US_BANK_NUMBER"),
    # IP_ADDRESS, including IPv6
    ("Login from 203.0.113.42 was blocked.", "203.0.113.42", "IP_ADDRESS"),
    ("The VPN assigned 2001:db8:85a3::8a2e:370:7334 to her laptop.", "2001:db8:85a3::8a2e:370:7334", "IP_ADDRESS"),
    # URL
    ("Upload your documents at https://portal.example.com/upload?id=7.", "https://portal.example.com/upload?id=7", "URL"),
    ("See www.example.org/help for details.", "www.example.org/help", "URL"),
    # MEDICAL_LICENSE
    ("Prescribed by Dr. Lee (DEA# AB1234563).", "AB1234563", "MEDICAL_LICENSE"),
    ("State medical license: MD-448812 on file.", "MD-448812", "MEDICAL_LICENSE"),
    # ZIP_CODE
    ("Zip code 60614, Chicago.", "60614", "ZIP_CODE"),
    ("Postcode: SW1A 2AA", "SW1A 2AA", "ZIP_CODE"),
]


@pytest.mark.parametrize(("text", "value", "entity_type"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_finds_entity(engine, text, value, entity_type):
    assert_found(engine, text, value, entity_type)


def test_every_entity_type_is_covered_by_the_cases():
    from privdesk.core.types import ENTITY_TYPES

    assert {c[2] for c in CASES} == set(ENTITY_TYPES)


def test_multiline_address_is_one_span(engine):
    text = "Please deliver to:\n42 Harbour View Road\nApt 3B\nWellington 6011\nNew Zealand\nThanks"
    locations = found(engine, text, "LOCATION")
    assert locations == [("42 Harbour View Road\nApt 3B\nWellington 6011\nNew Zealand", "LOCATION")]


def test_form_labels_are_not_organizations(engine):
    text = "DOB: 04/02/1961\nSSN: 536-22-8726\nMRN: 00481234\nPatient: Carlos Mendes"
    spans = found(engine, text)
    assert not any(value in ("DOB", "SSN", "MRN", "Patient") for value, _ in spans), spans
    assert ("Carlos Mendes", "PERSON") in spans


@pytest.mark.parametrize("text,name", [
    ("Seen by Dr. Amelia Hart in clinic.", "Amelia Hart"),
    ("Mrs. Olga Petrova called about her bill.", "Olga Petrova"),
    ("Prof. Kenji Watanabe signed the letter.", "Kenji Watanabe"),
    ("Dear Mr. Daniel Osei,", "Daniel Osei"),
])
def test_titles_are_not_inside_person_spans(engine, text, name):
    persons = [value for value, entity in found(engine, text) if entity == "PERSON"]
    assert persons == [name]


@pytest.mark.parametrize("text", [
    "Take 500 mg twice daily for 3 days.",
    "The printer on floor 2 is out of toner again.",
    "Increase the dose to 20 mg if symptoms persist after 2 weeks.",
    "Thanks for your patience, the issue is resolved now.",
    "BP 120/80, HR 72, temp 37.1 C.",
])
def test_pii_free_text_has_no_spans(engine, text):
    assert engine.analyze_text(text) == []


def test_spans_are_sorted_well_formed_and_typed(engine):
    text = "Call Ana Souza on +351 912 345 678 or write to ana@example.pt before 12/05/2024."
    spans = engine.analyze_text(text)
    assert spans == sorted(spans)
    assert all(isinstance(s, DetectedSpan) and 0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:])), "spans overlap"
    assert {s.entity_type for s in spans} >= {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "DATE_TIME"}


def test_threshold_filters_low_scores():
    text = "Meet Jordan at the Acme office; reference 4155552671."
    loose = DetectionEngine(DetectionSettings(threshold=0.1)).analyze_text(text)
    strict = DetectionEngine(DetectionSettings(threshold=0.95)).analyze_text(text)
    assert all(s.score >= 0.95 for s in strict)
    assert len(strict) < len(loose)
    assert any(s.score < 0.4 for s in loose)


def test_entity_filter_limits_types():
    text = "Email lena@example.com or call +49 30 12345678, says Lena Fischer."
    only = DetectionEngine(DetectionSettings(entities=("EMAIL_ADDRESS",))).analyze_text(text)
    assert [(text[s.start:s.end], s.entity_type) for s in only] == [("lena@example.com", "EMAIL_ADDRESS")]


def test_context_words_raise_scores(engine):
    bare = engine.analyze_text("Backup: 4155552671")
    with_context = engine.analyze_text("Backup: 4155552671", context=["phone"])
    assert not [s for s in bare if s.entity_type == "PHONE_NUMBER"]
    assert [s.entity_type for s in with_context] == ["PHONE_NUMBER"]


def test_allow_list_keeps_terms_unflagged():
    text = "Contact Acme Support at help@acme.example.com."
    engine = DetectionEngine(DetectionSettings(allow_list=("help@acme.example.com",)))
    assert not any(s.entity_type == "EMAIL_ADDRESS" for s in engine.analyze_text(text))


def test_deny_list_always_flags_terms():
    engine = DetectionEngine(DetectionSettings(deny_list={"ORGANIZATION": ["Project Bluebird"]}))
    spans = engine.analyze_text("Samples for project bluebird arrive Monday.")
    assert [(s.start, s.end, s.entity_type) for s in spans if s.entity_type == "ORGANIZATION"] == [(12, 28, "ORGANIZATION")]


def test_recognizers_work_inside_a_stock_presidio_analyzer(engine):
    from presidio_analyzer import AnalyzerEngine

    engine.load()
    analyzer = AnalyzerEngine(registry=engine.registry(), nlp_engine=engine._nlp_engine, supported_languages=["en"])
    text = "Send it to 10 Downing Street, London SW1A 2AA. She is 54 years old."
    results = analyzer.analyze(text, language="en")
    assert any(text[r.start:r.end] == "10 Downing Street, London SW1A 2AA" and r.entity_type == "LOCATION"
               for r in results)
    assert any(text[r.start:r.end] == "54" and r.entity_type == "AGE" for r in results)


def test_analyze_texts_keeps_order_and_handles_empty(engine):
    texts = ["", "Call 020 7946 0958", "   ", "Mail bo@example.com"]
    results = engine.analyze_texts(texts)
    assert [[s.entity_type for s in r] for r in results] == [[], ["PHONE_NUMBER"], [], ["EMAIL_ADDRESS"]]


def test_long_text_is_analysed_in_pieces(engine):
    filler = "The weather was unremarkable. " * 2000  # 60,000 characters: more than one piece
    text = filler + "Write to kim@example.com today." + filler
    spans = engine.analyze_text(text)
    emails = [s for s in spans if s.entity_type == "EMAIL_ADDRESS"]
    assert len(emails) == 1 and text[emails[0].start:emails[0].end] == "kim@example.com"
