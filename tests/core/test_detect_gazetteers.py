"""Gazetteer recognizers on hand-written sentences: personal names and places, with false-positive guards."""

from __future__ import annotations

import pytest

from privdesk.core.detect.gazetteers import name_lists, place_lists, word_tokens
from privdesk.core.detect.recognizers.person_names import PersonNameRecognizer
from privdesk.core.detect.recognizers.places import PlaceNameRecognizer


@pytest.fixture(scope="module")
def person() -> PersonNameRecognizer:
    return PersonNameRecognizer()


@pytest.fixture(scope="module")
def places() -> PlaceNameRecognizer:
    return PlaceNameRecognizer()


def texts_of(recognizer, text: str) -> list[str]:
    return [text[r.start:r.end] for r in recognizer.find(text)]


def test_name_lists_hold_many_locales_and_split_off_ordinary_words():
    names = name_lists()
    assert len(names.strong_first) > 5000 and len(names.last) > 5000
    for given in ("helena", "rafał", "chakradhar", "siobhan"):
        assert given in names.strong_first
    for word in ("may", "will", "grant", "hope"):
        assert word not in names.strong_first
    assert names.is_strong_last("Nordqvist") and names.is_last("Tarantino-Detti")


def test_place_lists_know_countries_and_towns_and_flag_the_ambiguous_ones():
    lists = place_lists()
    assert lists.longest_at(["rio", "de", "janeiro", "is"]) == ("rio", "de", "janeiro")
    assert ("kenya",) in lists.countries
    assert lists.is_place("Düren") and lists.is_major_place("Bristol")
    assert ("reading",) in lists.ambiguous and ("jordan",) in lists.ambiguous


def test_word_tokens_keep_offsets_and_inner_hyphens_and_apostrophes():
    text = "Dr. O'Brien met Makulec-Frycz - twice"
    assert [(t.text, text[t.start:t.end]) for t in word_tokens(text)][:4] == [
        ("Dr", "Dr"), ("O'Brien", "O'Brien"), ("met", "met"), ("Makulec-Frycz", "Makulec-Frycz")]


@pytest.mark.parametrize("text,name", [
    ("Helena Vrancken called about the invoice.", "Helena Vrancken"),
    ("Referred by Ana Júlia Pereira Almeida last week", "Ana Júlia Pereira Almeida"),
    ("Please contact John A. Smith.", "John A. Smith"),
    ("Meeting with Amira van Velzen at noon", "Amira van Velzen"),
    ("Forwarded to Maurycy Makulec-Frycz", "Maurycy Makulec-Frycz"),
    ("Will Smith arrived late.", "Will Smith"),
    ("Patient: Lee, Mark (MRN 1234)", "Lee, Mark"),
    ("Name: Nascimento Castro, Maria Sophia", "Nascimento Castro, Maria Sophia"),
    ("Tarantino-Detti, Adele", "Tarantino-Detti, Adele"),
    ("Reviewed by E. Nordqvist today.", "E. Nordqvist"),
    ("Signed J.R. Smith", "J.R. Smith"),
    ("I spoke with Siobhan about the delay.", "Siobhan"),
    ("ANNA KOWALSKA", "ANNA KOWALSKA"),
    ("Son Michael at bedside.", "Michael"),
    ("Helena reports pain in the left knee.", "Helena"),
    ("Fabian Kaul's car was towed", "Fabian Kaul"),
])
def test_names_found_through_the_lists(person, text, name):
    assert texts_of(person, text) == [name]


@pytest.mark.parametrize("text,name", [
    ("hi, my name is brandon clay.", "brandon clay"),
    ("My name is charles j. rice and I need help", "charles j. rice"),
    ("also my son kevin douglas wants access", "kevin douglas"),
    ("Hi brett, my robot vacuum broke", "brett"),
    ("Cheers, steve", "steve"),
    ("hey it's laura", "laura"),
    ("brandon clay\n584 mccoy corner", "brandon clay"),
])
def test_lower_case_names_need_a_cue_or_a_line_of_their_own(person, text, name):
    assert texts_of(person, text) == [name]


@pytest.mark.parametrize("text", [
    "May I help you?",
    "Will you call me back tomorrow?",
    "The Grant application was approved.",
    "Park Street is closed for repairs.",
    "Victoria Station was crowded.",
    "She was taken to Grace Hospital.",
    "Paris, France is lovely in spring.",
    "He is a Roman Catholic.",
    "Section A. Patients were asked to wait.",
    "i'm going home now, thanks again",
    "hi there, it's fine",
    "Dear Team, please review.",
    "We flew to San Diego on Monday.",
    "we discussed mark down pricing yesterday",  # lower case, no cue, and "mark" is an ordinary word
    "the grant will cover it",
    "Sales rose in June and August.",
    "Lot 7 of the Hope Diamond collection.",
    "Alpha team to finalise the launch.",
])
def test_no_name_in_ordinary_text(person, text):
    assert texts_of(person, text) == []


@pytest.mark.parametrize("text,place", [
    ("Visited Düren last spring.", "Düren"),
    ("She lives in Rio de Janeiro.", "Rio de Janeiro"),
    ("He moved to Reading last year.", "Reading"),
    ("Flights from Kenya are delayed", "Kenya"),
    ("The office in Austin, TX is closed", "Austin"),
    ("Parcel sent from Hughfort yesterday", "Hughfort"),
    ("They live near Lake Jennifer now", "Lake Jennifer"),
    ("Seen at the clinic in Norwich.", "Norwich"),
])
def test_places(places, text, place):
    assert texts_of(places, text) == [place]


@pytest.mark.parametrize("text", [
    "Reading the notes took an hour.",
    "Jack London wrote the book.",
    "The Washington Post reported it.",
    "Florence said hello.",
    "Victoria Station was crowded.",
    "She is Swiss.",
    "Results in Cardiology were normal.",
    "Call me in May.",
    "He works at Acme.",
])
def test_no_place_in_ordinary_text(places, text):
    assert texts_of(places, text) == []


def test_engine_relabels_names_and_towns_spacy_gets_wrong_and_skips_role_words():
    from privdesk.core.detect import DetectionEngine

    engine = DetectionEngine()
    text = "Helena Vrancken moved from Düren to Umeå. Prescription sent to Everett Pharmacy."
    found = {(text[s.start:s.end], s.entity_type) for s in engine.analyze_text(text)}
    assert {("Helena Vrancken", "PERSON"), ("Düren", "LOCATION"), ("Umeå", "LOCATION"),
            ("Everett Pharmacy", "ORGANIZATION")} <= found
    assert engine.analyze_identifier("Support Team", "PERSON", "speaker") == []
    assert [s.entity_type for s in engine.analyze_identifier("Helena Vrancken", "PERSON", "speaker")] == ["PERSON"]


def test_a_listed_given_name_and_surname_in_lower_case_need_no_cue(person):
    assert texts_of(person, "we discussed robert perez yesterday") == ["robert perez"]
