"""Generic shapes of cards, phones, postcodes, NRP words and ages, on sentences written for these tests.

Each rule is format- or language-motivated (issuer ranges and Luhn, a phone cue before a local
number, a postcode label, a person saying what they are, a life event at an age), so each test
pairs what the rule must find with what looks alike and must be left alone.
"""

from __future__ import annotations

import pytest

from privdesk.core.detect.pipeline import TextPipeline
from privdesk.core.detect.recognizers.age import AgeRecognizer
from privdesk.core.detect.recognizers.cards import PaymentCardRecognizer, card_scheme
from privdesk.core.detect.recognizers.nrp import NRP_WORDS, NrpRecognizer
from privdesk.core.detect.recognizers.phone import PhoneNumberRecognizer
from privdesk.core.detect.recognizers.postcode import PostcodeRecognizer
from privdesk.core.detect.resolve import tier
from privdesk.core.detect.settings import DetectionSettings
from privdesk.core.detect.validators import luhn_valid


def texts_of(recognizer, text: str) -> list[str]:
    return [text[r.start:r.end] for r in recognizer.find(text)]


def with_check_digit(body: str) -> str:
    """`body` followed by the digit that makes the whole number pass Luhn."""
    return next(body + str(d) for d in range(10) if luhn_valid(body + str(d)))


def wrong_check_digit(body: str) -> str:
    right = with_check_digit(body)
    return body + str((int(right[-1]) + 1) % 10)


def grouped(number: str, sizes: tuple[int, ...], separator: str = " ") -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(number[position:position + size])
        position += size
    assert position == len(number)
    return separator.join(parts)


# -- payment cards --------------------------------------------------------------------------------

@pytest.mark.parametrize("body,scheme", [
    ("222100481937266", "Mastercard"),          # Mastercard 2-series, low end
    ("272099310428875", "Mastercard"),          # Mastercard 2-series, high end
    ("545301827364519", "Mastercard"),
    ("453920173648291736", "Visa"),             # 19-digit Visa
    ("21310482736459", "JCB (15 digits)"),
    ("18004729163845", "JCB (15 digits)"),
    ("353012948273645", "JCB"),
    ("358927461038472615", "JCB"),              # 19-digit JCB
    ("676148203947561", "Maestro"),
    ("601148291037465", "Discover"),
    ("644820193746152", "Discover"),
    ("650293847162038", "Discover"),
    ("3021948372615", "Diners Club"),
    ("3648192037465", "Diners Club"),
    ("3829174650384", "Diners Club"),
    ("621483920174658", "UnionPay"),
    ("625938471029384756", "UnionPay"),         # 19-digit UnionPay
    ("34829104736251", "American Express"),
    ("37194820374615", "American Express"),
])
def test_card_numbers_of_every_scheme_are_found_plain(body, scheme):
    number = with_check_digit(body)
    assert card_scheme(number)[0].name == scheme
    text = f"Refund of the duplicate charge goes back to {number} within five days."
    assert texts_of(PaymentCardRecognizer(), text) == [number]


@pytest.mark.parametrize("body,sizes,separator", [
    ("411111111111111", (4, 4, 4, 4), " "),
    ("222100481937266", (4, 4, 4, 4), "-"),
    ("37194820374615", (4, 6, 5), " "),          # Amex layout
    ("3021948372615", (4, 6, 4), "-"),           # Diners layout
    ("453920173648291736", (4, 4, 4, 4, 3), " "),
    ("625938471029384756", (4, 4, 4, 4, 3), "-"),
])
def test_card_numbers_in_printed_groups(body, sizes, separator):
    number = grouped(with_check_digit(body), sizes, separator)
    text = f"Paid at the pharmacy with {number}, receipt attached."
    assert texts_of(PaymentCardRecognizer(), text) == [number]


def test_card_words_raise_the_score_and_a_common_scheme_is_high_without_them():
    number = with_check_digit("545301827364519")
    plain = PaymentCardRecognizer().find(f"Charged {number} twice.")
    worded = PaymentCardRecognizer().find(f"Mastercard {number} was charged twice.")
    assert plain[0].score >= 0.85
    assert worded[0].score > plain[0].score


def test_short_maestro_numbers_need_a_card_word():
    # Twelve to fifteen digits is also the length of account, tracking and national ID numbers.
    number = with_check_digit("50184729361")
    assert card_scheme(number)[0].name == "Maestro"
    assert texts_of(PaymentCardRecognizer(), f"Shipment {number} left the depot.") == []
    assert texts_of(PaymentCardRecognizer(), f"Paid by debit card {number} at the till.") == [number]


def test_a_luhn_valid_number_of_no_known_issuer_needs_a_card_word():
    number = with_check_digit("912348573920174")  # 16 digits, no scheme starts with 91
    assert card_scheme(number) is None
    assert texts_of(PaymentCardRecognizer(), f"Reference {number} was logged.") == []
    assert texts_of(PaymentCardRecognizer(), f"Store card {number} was declined.") == [number]
    assert texts_of(PaymentCardRecognizer(), f"{number} (card expires 09/27)") == [number]


@pytest.mark.parametrize("text", [
    "Visa " + wrong_check_digit("411111111111111"),                        # fails Luhn
    "IMEI " + with_check_digit("35693803564380"),                          # a handset, 15 digits
    "Savings account " + with_check_digit("50293847561"),                  # account-labelled 12 digits
    "ACH debit from checking " + with_check_digit("00012345678"),          # a bank transfer, not a card
    "Batch " + with_check_digit("411111111111111") + "23",                 # part of a longer digit run
    "Order 4111 1111 1111 1111 2222 shipped",                              # five groups of four: 20 digits
    "Cardholder since 2019, phone 0044 7700 9001 2345",
])
def test_card_lookalikes_are_left_alone(text):
    assert texts_of(PaymentCardRecognizer(), text) == []


def test_the_card_recognizer_replaces_presidios_and_keeps_its_rank():
    pipeline = TextPipeline(DetectionSettings())  # the plain-text half of the engine, as registered
    named = [r for r in pipeline.recognizers if r.name == "CreditCardRecognizer"]
    assert len(named) == 1 and isinstance(named[0], PaymentCardRecognizer)
    assert tier("CreditCardRecognizer") == 3  # ranked with the checksum-validated identifiers

    number = grouped(with_check_digit("272099310428875"), (4, 4, 4, 4))
    text = f"New card {number} arrived today."
    candidates = pipeline.analyze(text)
    cards = [c for c in candidates if c.entity_type == "CREDIT_CARD"]
    assert [(text[c.start:c.end], c.recognizer) for c in cards] == [(number, "CreditCardRecognizer")]
    assert cards[0].score >= 0.9


# -- phone numbers --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,phone", [
    ("Ring me at 555 0199 after six.", "555 0199"),
    ("pls text me on 87 47 98 when you land", "87 47 98"),
    ("can you reach me at 555 0199 ext. 12?", "555 0199 ext. 12"),
    ("Her cell: 604 88 21 ok", "604 88 21"),
    ("Phone number is 43 22 918, ask for the front desk", "43 22 918"),
    ("Tel:555 0199 (home)", "555 0199"),
])
def test_short_local_numbers_after_a_phone_cue(text, phone):
    assert texts_of(PhoneNumberRecognizer(), text) == [phone]


@pytest.mark.parametrize("text", [
    "Can you call me at 10.30 tomorrow?",
    "call me on 12.05.2024 about it",
    "we called 3 times and texted 12 people",
    "Phone bill was 45 67 89 too high",       # the cue is no cue when a word stands between
    "Reached 555 0199 visitors this year",    # a count after a verb that only looks like a cue
    "Totals: 1,234,567 and 2,345,678",
])
def test_no_phone_from_times_dates_counts_or_amounts(text):
    assert texts_of(PhoneNumberRecognizer(), text) == []


def test_numbers_with_a_glued_label_and_in_comma_lists():
    text = "Contacts: 0496 97 06 31-Office,0471 23 45 67-Home; 604-829-3311-Office,604-829-3312-Fax"
    assert texts_of(PhoneNumberRecognizer(), text) == ["0496 97 06 31", "0471 23 45 67", "604-829-3311", "604-829-3312"]


def test_extensions_stay_with_the_number():
    assert texts_of(PhoneNumberRecognizer(), "Desk line (415) 829-2671 x204 until noon") == ["(415) 829-2671 x204"]


@pytest.mark.parametrize("phone,region", [
    ("0496 97 06 31", "BE"), ("04 96 97 06 31", "FR"), ("06 12 34 56 78", "FR"), ("030 1234567", "DE"),
    ("020 7946 0958", "GB"), ("06-45788937", "NL"), ("(21) 3456-7890", None), ("(61) 97176-6531", None),
])
def test_european_and_brazilian_layouts_name_their_country(phone, region):
    found = PhoneNumberRecognizer().find(f"Numero: {phone}.")
    assert [phone] == [f"Numero: {phone}."[r.start:r.end] for r in found]
    if region is not None:
        assert f"({region})" in found[0].analysis_explanation.pattern_name


# -- postcodes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,code", [
    ("The zip code is 501, same as the IRS.", "501"),
    ("ZIP: 12345-678", "12345-678"),
    ("postal code: K1A 0B1", "K1A 0B1"),
    ("Post code SW1A 1AA (Westminster)", "SW1A 1AA"),
    ("PLZ: 80331", "80331"),
    ("CEP 22041-001, Rio de Janeiro", "22041-001"),
    ("code postal 69002", "69002"),
    ("my postcode is eh1 1yz", "eh1 1yz"),
    ("Postal code 602 00, Brno", "602 00"),
    ("PLZ CH-8001 Zürich", "CH-8001"),
    ("Postcode: 3511 LX", "3511 LX"),
])
def test_any_postcode_shape_after_a_label(text, code):
    assert texts_of(PostcodeRecognizer(), text) == [code]


@pytest.mark.parametrize("text,code", [
    ("Deliver to the depot in Ottawa, K2P 1L4.", "K2P 1L4"),
    ("Moved to Leeds LS1 4AP last year", "LS1 4AP"),
    ("Escritório em Curitiba - PR, 80010-010", "80010-010"),
    ("Rua Augusta 21, Lisboa 1100-053", "1100-053"),
    ("Morada: 1100-053 Lisboa", "1100-053"),
])
def test_distinctive_postcodes_and_hyphenated_ones_beside_a_place(text, code):
    assert code in texts_of(PostcodeRecognizer(), text)


@pytest.mark.parametrize("text", [
    "Invoice 12345-678 is overdue", "ref 4920-112", "Please see Order 80010-010", "zip code unknown",
    "Total 1100-053", "tracking 12345-678 shipped", "cap 500 mg daily", "my zip is 1",
])
def test_reference_numbers_of_postcode_shape_are_left_alone(text):
    assert texts_of(PostcodeRecognizer(), text) == []


# -- nationalities, religions, political groups -----------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("i am thai but live in oslo now", "thai"),
    ("both my grandparents were nigeriens", "nigeriens"),
    ("the Britons on the tour were late", "Britons"),
    ("Armenians gathered at the square", "Armenians"),
    ("The Jews of Venice kept the archive", "Jews"),
    ("we're proud salvadoreans", "salvadoreans"),
    ("He is a devout muslim and fasts", "muslim"),
    ("i'm polish, my wife too", "polish"),
    ("I am Thai by birth", "Thai"),
    ("Two Frenchmen and a Spaniard", "Frenchmen"),
    ("She's a Jehovah's Witness", "Jehovah's Witness"),
])
def test_nrp_words_in_lower_case_plurals_and_people_nouns(text, value):
    assert value in texts_of(NrpRecognizer(), text)


@pytest.mark.parametrize("text", [
    "Please polish the brass before Friday", "green tea and swiss cheese", "french fries with the order",
    "a turkey sandwich on china plates", "She teaches Spanish at night school", "Is there an English version?",
    "The letter was written in Greek.", "Thai is my first language", "AMERICAN AIRLINES refund", "Saint Louis office",
    "my afghan blanket",
])
def test_everyday_words_languages_and_headings_are_no_nrp(text):
    assert texts_of(NrpRecognizer(), text) == []


def test_a_self_description_lifts_an_ambiguous_word():
    recognizer = NrpRecognizer()
    plain = recognizer.find("Thai cooking class")
    said = recognizer.find("I am Thai")
    assert plain and said and said[0].score > plain[0].score


def test_plural_forms_join_the_shared_word_list_but_given_names_do_not():
    assert {"armenians", "britons", "nigeriens", "spaniards"} <= NRP_WORDS
    assert not {"finn", "dane", "scot"} & NRP_WORDS


# -- ages -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,age", [
    ("She will turn 81 in March.", "81"),
    ("He turned 29 yesterday and we had cake", "29"),
    ("when she was 14, the family moved to Cork", "14"),
    ("since I was nine I have played chess", "nine"),
    ("At 67 he finally retired from the bank.", "67"),
    ("My grandmother died at 94.", "94"),
    ("Dad retired at 60 in 2015", "60"),
    ("a boy aged 7 was hurt", "7"),
    ("the 45 year old driver", "45"),
    ("patient in her 70s, alert", "70s"),
    ("She moved to Leeds, and at 30 she opened a shop.", "30"),
])
def test_ages_from_turning_points_and_life_events(text, age):
    assert texts_of(AgeRecognizer(), text) == [age]


@pytest.mark.parametrize("text", [
    "The crane turned 90 degrees", "turn 3 pages back", "He died at 3 pm on the ward", "died at 5:30",
    "when he was 10 minutes late", "at 8 we had breakfast", "The train left at 17 she said",
    "Call me at 72 she said",
])
def test_turns_times_and_durations_are_no_age(text):
    assert texts_of(AgeRecognizer(), text) == []
