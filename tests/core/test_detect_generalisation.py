"""Rules written for text in shapes our synthetic generator does not make: quoted e-mails, addresses laid
out one component per line, lower-case chat, unlisted foreign names and towns, company registers in
capitals. Every sentence here was written for this test (none comes from a benchmark's templates)."""

from __future__ import annotations

import pytest

from privdesk.core.detect.recognizers.address import StreetAddressRecognizer
from privdesk.core.detect.recognizers.organization import OrganizationRecognizer
from privdesk.core.detect.recognizers.person_names import PersonNameRecognizer
from privdesk.core.detect.recognizers.places import PlaceNameRecognizer
from privdesk.core.detect.recognizers.spacy_ner import _clean_pieces, _looks_like_personal_name
from privdesk.core.detect.resolve import Candidate, resolve


def found(recognizer, text: str) -> list[str]:
    return [text[r.start:r.end] for r in recognizer.find(text)]


@pytest.mark.parametrize("text,address", [
    # one component per line, the region code on its own line after a comma
    ("Deliver to:\n18 Orchard Drive Apt. 7\nLinthwaite\n, WY\n 80412\nThanks", "18 Orchard Drive Apt. 7\nLinthwaite\n, WY\n 80412"),
    # any two-letter region code and a country before the postcode
    ("Write to 9 Kestrel Road\nMarrowby\n, QX\n Norway 4410", "9 Kestrel Road\nMarrowby\n, QX\n Norway 4410"),
    # a quoted reply keeps its "> " marks
    ("> Our office:\n> 31 Calle Olmo 14\n> Suite 2\n> Ribadelago\n> Spain 49300", "31 Calle Olmo 14\n> Suite 2\n> Ribadelago\n> Spain 49300"),
    # the unit first, then the number before a type-first street
    ("Mail Suite 12 44 Via Quercia 9\nCastelmonte AT 14020 today", "Suite 12 44 Via Quercia 9\nCastelmonte AT 14020"),
    # a street without a street word, next to its unit
    ("77 Pod Lipami 12\n Apt. 3\n Hrabovka\n Czech Republic 70030", "77 Pod Lipami 12\n Apt. 3\n Hrabovka\n Czech Republic 70030"),
    # "Town, XY 12345" with a region code that is not a US state
    ("Branch: Orlova, KX 30211.", "Orlova, KX 30211"),
    # lower case, as chats and lower-cased exports write it
    ("send it to 512 maple avenue apt. 9\nspringfield, il 62704\nthanks", "512 maple avenue apt. 9\nspringfield, il 62704"),
    ("envoyez à 8 rue des tilleuls\n33100 bordeaux-bastide\nmerci", "8 rue des tilleuls\n33100 bordeaux-bastide"),
    ("it's 77 birch hollow unit 4, dunmore, pa 18512", "77 birch hollow unit 4, dunmore, pa 18512"),
])
def test_addresses_in_other_layouts(text, address):
    assert address in found(StreetAddressRecognizer(), text)


def test_a_lone_apartment_number_is_part_of_an_address():
    assert found(StreetAddressRecognizer(), "The parcel went to Apt. 42 by mistake") == ["Apt. 42"]


@pytest.mark.parametrize("text", [
    "i walked 5 blocks down the road",
    "we sat on 3 green park benches",
    "Meet at Room 12",
    "She scored 12 points in Section B",
])
def test_no_address_in_lower_case_prose(text):
    assert found(StreetAddressRecognizer(), text) == []


@pytest.mark.parametrize("text,place", [
    ("My aunt lives in Vrbanje now.", "Vrbanje"),
    ("They moved here from KOSTERVIK last spring", "KOSTERVIK"),
    ("I'm originally from Agia Marina", "Agia Marina"),
    ("He flew to TRONDSHAVN on business", "TRONDSHAVN"),
    ("our team is based in montevideo.", "montevideo"),
    ("we are from sweden", "sweden"),
])
def test_towns_after_a_residence_or_travel_cue(text, place):
    assert place in found(PlaceNameRecognizer(), text)


@pytest.mark.parametrize("text", [
    "I sent it to IT yesterday", "I am from Accounting", "lives in Apartment 4", "moved to Monday",
    "in china we eat with chopsticks", "turkey in the oven",
])
def test_no_place_in_department_unit_or_lower_case_words(text):
    assert found(PlaceNameRecognizer(), text) == []


@pytest.mark.parametrize("text,name", [
    ("Please follow up with Oleksandr Hrytsenko next week.", "Oleksandr Hrytsenko"),
    ("Tickets for Zarema Dudaeva arrived", "Zarema Dudaeva"),
    ("Signed: Dragana M Petrović", "Dragana M Petrović"),
    ("Fotini Papadopoulos called back", "Fotini Papadopoulos"),
    ("Paige booked the room", "Paige"),
    ("that is Katarina's laptop", "Katarina"),
    ("i left it with a neighbour, stephanie armstrong, on friday", "stephanie armstrong"),
])
def test_names_beyond_the_lists(text, name):
    assert name in found(PersonNameRecognizer(), text)


@pytest.mark.parametrize("text", ["Alpha team to go", "The Rubik Cubin", "Summer is here", "Standard Operating Procedure"])
def test_no_name_in_capitalised_phrases(text):
    assert found(PersonNameRecognizer(), text) == []


def test_job_titles_and_unit_words_are_trimmed_from_spacy_names():
    text = "Producer Alain Lagrange lives at Mrs. Ida Berg Apt 5"
    producer = text.index("Producer")
    assert [text[s:e] for s, e in _clean_pieces(text, producer, producer + len("Producer Alain Lagrange"), "PERSON")] \
        == ["Alain Lagrange"]
    ida = text.index("Ida")
    assert [text[s:e] for s, e in _clean_pieces(text, ida, len(text) - 2, "PERSON")] == ["Ida Berg"]


def test_two_word_names_that_spacy_calls_organisations():
    assert _looks_like_personal_name("Giovana Almeida")
    assert _looks_like_personal_name("Keijo Hänninen")
    assert not _looks_like_personal_name("Acme Holdings")
    assert not _looks_like_personal_name("General Motors")


def test_company_names_in_capitals_with_their_legal_form():
    org = OrganizationRecognizer()
    assert found(org, "Dividend from TAKARA SEIKI CO.LTD. posted") == ["TAKARA SEIKI CO.LTD."]
    assert found(org, "WIRE TO NORDVIK SHIPPING AS REF 22") == ["NORDVIK SHIPPING AS"]
    assert found(org, "I WORK AT THE BANK") == []


def test_a_name_cut_by_an_address_keeps_its_remainder():
    text = "Mrs. Ida Berg Apt. 5 Lilla Torget 3"
    candidates = [
        Candidate(text.index("Ida"), text.index("Apt") + 3, "PERSON", 0.7, "PersonCueRecognizer"),
        Candidate(text.index("Apt"), len(text), "LOCATION", 0.65, "StreetAddressRecognizer"),
    ]
    kept = {(text[c.start:c.end], c.entity_type) for c in resolve(text, candidates, threshold=0.4)}
    assert ("Ida Berg", "PERSON") in kept
