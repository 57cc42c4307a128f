"""The transformer PII tagger: tag alignment, sliding windows, training, the shipped model, the recognizer."""

from __future__ import annotations

import random
import re
import socket
import threading

import pytest

from privdesk.core.errors import PrivDeskError
from privdesk.core.ner.augment import augment, mixed_examples, split_sentences
from privdesk.core.ner.data import TextExample, encode_windows, examples_from_cells
from privdesk.core.ner.labels import IGNORED, LabelScheme, spans_to_tags, tags_to_spans
from privdesk.core.ner.model import PiiTagger, default_model_dir
from privdesk.core.ner.network import META_FILE, NetworkSpec, load_tokenizer
from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.types import Span

SCHEME = LabelScheme()


def example(text: str, *entities: tuple[str, str]) -> TextExample:
    """Gold spans located by value: each (value, type) must occur in the text exactly once."""
    spans = []
    for value, entity in entities:
        assert text.count(value) == 1, value
        start = text.index(value)
        spans.append((start, start + len(value), entity))
    return TextExample(text, tuple(sorted(spans)))


ALIGNMENT_EXAMPLES = [
    example("Dr. Anna-Lena O'Brien (DOB 03/04/1981) lives at 12 Rue de la Paix,\n75002 Paris.",
            ("Anna-Lena O'Brien", "PERSON"), ("03/04/1981", "DATE_TIME"), ("12 Rue de la Paix,\n75002 Paris", "LOCATION")),
    example("email: j.doe+tag@mail.example.com; phone +1 (555) 010-9999.\r\nThanks",
            ("j.doe+tag@mail.example.com", "EMAIL_ADDRESS"), ("+1 (555) 010-9999", "PHONE_NUMBER")),
    example("Café Müller in Zürich\tpaid with 4111 1111 1111 1111, IBAN DE89370400440532013000.",
            ("Café Müller", "ORGANIZATION"), ("Zürich", "LOCATION"), ("4111 1111 1111 1111", "CREDIT_CARD"),
            ("DE89370400440532013000", "IBAN_CODE")),
    example("Jan Kowalski, Jan Nowak and Ewa Lis signed.",
            ("Jan Kowalski", "PERSON"), ("Jan Nowak", "PERSON"), ("Ewa Lis", "PERSON")),
    example("No PII in this one, just 3 apples."),
]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer()


def _offsets(tokenizer, text: str) -> list[tuple[int, int]]:
    return [tuple(pair) for pair in tokenizer(text, return_offsets_mapping=True)["offset_mapping"]]


@pytest.mark.parametrize("sample", ALIGNMENT_EXAMPLES, ids=lambda s: s.text[:20])
def test_spans_to_bio_tags_and_back_is_lossless(tokenizer, sample):
    units = _offsets(tokenizer, sample.text)
    tags = spans_to_tags(units, sample.spans, SCHEME)
    assert tags[0] == IGNORED and tags[-1] == IGNORED  # [CLS] and [SEP]
    assert tags_to_spans(units, tags, SCHEME) == list(sample.spans)
    # multi-token entities really are multi-token: one B- then I- tags
    for start, end, entity in sample.spans:
        inside = [tag for (s, e), tag in zip(units, tags) if s < end and start < e and s != e]
        assert inside[0] == SCHEME.begin_id(entity)
        assert all(tag == SCHEME.inside_id(entity) for tag in inside[1:])


def test_adjacent_same_type_entities_stay_apart_and_longer_overlap_wins():
    units = [(0, 3), (4, 7), (8, 11), (12, 15)]
    tags = spans_to_tags(units, [(0, 7, "PERSON"), (8, 15, "PERSON"), (4, 11, "LOCATION"), (0, 3, "NOT_A_TYPE")], SCHEME)
    assert tags_to_spans(units, tags, SCHEME) == [(0, 7, "PERSON"), (8, 15, "PERSON")]
    # a stray I- tag after O starts an entity instead of being dropped
    assert tags_to_spans(units, [0, SCHEME.inside_id("AGE"), 0, 0], SCHEME) == [(4, 7, "AGE")]


FIRST_NAMES = ("Olivia", "Tomasz", "Priya", "Kwame", "Sofia", "Henrik", "Mei", "Diego", "Aisha", "Lars")
LAST_NAMES = ("Nakamura", "Okafor", "Lindqvist", "Moreau", "Castillo", "Brennan", "Hoffmann", "Rossi", "Patel", "Novak")


def _word_probabilities(text: str, tags: list[str]):
    """Words of `text` (split on spaces) with near-certain probabilities for the given tags."""
    import numpy as np

    units, position = [], 0
    for word in text.split(" "):
        units.append((position, position + len(word)))
        position += len(word) + 1
    probabilities = np.full((len(units), SCHEME.num_labels), 0.01)
    for row, tag in enumerate(tags):
        probabilities[row, SCHEME.labels.index(tag)] = 0.9
    return units, probabilities


def test_words_become_spans_by_entity_type_runs():
    from privdesk.core.ner.model import words_to_spans

    text = "on the 14th of May , Ann Lee and Bob called ( 555 ) 010 ) :"
    tags = ["O", "B-DATE_TIME", "B-DATE_TIME", "I-DATE_TIME", "I-DATE_TIME", "O", "B-PERSON", "I-PERSON", "O",
            "B-PERSON", "O", "B-PHONE_NUMBER", "I-PHONE_NUMBER", "I-PHONE_NUMBER", "I-PHONE_NUMBER",
            "I-PHONE_NUMBER", "B-URL"]
    units, probabilities = _word_probabilities(text, tags)
    spans = words_to_spans(text, units, probabilities, SCHEME)
    found = [(text[s:e], t) for s, e, t, _ in spans]
    # a B- inside a run of one type does not split it; "O" words do; an unmatched ")" is trimmed;
    # a lone ":" is no entity
    assert found == [("the 14th of May", "DATE_TIME"), ("Ann Lee", "PERSON"), ("Bob", "PERSON"),
                     ("( 555 ) 010", "PHONE_NUMBER")]
    assert all(abs(score - 0.91) < 0.01 for *_, score in spans)


def _long_text() -> tuple[TextExample, list[str]]:
    """About 5,000 characters: sixty short log lines naming a person each, then an email address."""
    rng = random.Random(3)
    spans, names, text = [], [], ""
    for index in range(60):
        name = f"{FIRST_NAMES[index % 10]} {LAST_NAMES[(index // 10 + index) % 10]}"
        verb = rng.choice(["We met with", "I called", "Support wrote to", "The courier phoned"])
        sentence = f"Entry {index}: {verb} {name} about the delayed order number {index * 7}, still open. "
        start = len(text) + sentence.index(name)
        spans.append((start, start + len(name), "PERSON"))
        names.append(name)
        text += sentence
    text += "Final contact: last.person@example.org"
    spans.append((text.index("last.person"), len(text), "EMAIL_ADDRESS"))
    return TextExample(text, tuple(spans)), names


def test_sliding_windows_cover_a_long_text_with_true_offsets(tokenizer):
    sample, _ = _long_text()
    assert len(sample.text) > 4000
    full = [pair for pair in _offsets(tokenizer, sample.text) if pair[0] != pair[1]]
    windows = encode_windows(tokenizer, [sample], SCHEME, max_length=64, stride=16)
    assert len(windows) > 10 and all(len(w.input_ids) <= 64 for w in windows)
    seen = set()
    for window in windows:
        tokens = tokenizer.convert_ids_to_tokens(window.input_ids)
        for token, (start, end) in zip(tokens, window.offsets):
            if start == end:
                continue
            seen.add((start, end))
            assert sample.text[start:end].lower() == token.removeprefix("##")
        # every entity a window decodes is a gold span, cut at the window's edges at most
        real = [pair for pair in window.offsets if pair[0] != pair[1]]
        low, high = real[0][0], real[-1][1]
        clipped = {(max(s, low), min(e, high), t) for s, e, t in sample.spans if s < high and low < e}
        assert set(tags_to_spans(window.offsets, window.labels, SCHEME)) == clipped
    assert seen == set(full)  # no token is lost between windows


def test_examples_from_cells_pairs_spans_with_their_records():
    spans = [Span(1, "text", 0, 4, "PERSON"), Span(0, "text", 6, 11, "LOCATION")]
    examples = examples_from_cells(["Go to Paris", "Anna called"], spans)
    assert examples[0].spans == ((6, 11, "LOCATION"),) and examples[1].spans == ((0, 4, "PERSON"),)
    with pytest.raises(ValueError):
        TextExample("short", ((2, 40, "PERSON"),))


def test_augmented_examples_have_exact_offsets_and_made_up_names():
    originals = ALIGNMENT_EXAMPLES * 3
    values = {(sample.text[s:e], t) for sample in originals for s, e, t in sample.spans}
    extra = augment(originals, random.Random(0), share=3.0)
    assert len(extra) >= 2 * len(originals)
    assert any("\n" in sample.text for sample in extra)
    made_up = set()
    for sample in extra:
        for (start, end, entity), following in zip(sample.spans, sample.spans[1:] + ((len(sample.text),) * 3,)):
            value = sample.text[start:end]
            assert value and value == value.strip() and end <= following[0]
            if entity in ("PERSON", "LOCATION", "ORGANIZATION"):
                made_up |= {value} - {v for v, _ in values}
            else:  # identifiers keep their exact shape: only names, places and companies are made up
                assert (value, entity) in values
    assert made_up
    mixed = mixed_examples(originals, 10, random.Random(1))
    assert all((m.text[s:e], t) in values for m in mixed for s, e, t in m.spans)
    pieces = split_sentences(ALIGNMENT_EXAMPLES[0])
    assert any(sample.text[s:e] == "12 Rue de la Paix,\n75002 Paris" for sample in pieces for s, e, _ in sample.spans)


# --- training -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_two_training_steps_write_a_loadable_tagger(tmp_path):
    examples = ALIGNMENT_EXAMPLES * 4
    seen = []
    result = train_tagger_small(tmp_path / "tagger", examples, progress=seen.append)
    assert result["steps"] == 2 and seen and seen[-1].total == 2
    folder = tmp_path / "tagger"
    assert {"weights.safetensors", META_FILE, "README.md"} <= {p.name for p in folder.iterdir()}
    spec = NetworkSpec.read(folder)
    assert spec.training["steps"] == 2 and "ALL" in spec.training["dev_scores"]
    tagger = PiiTagger.load(folder)
    predictions = tagger.predict(["Anna lives in Paris.", ""])
    assert len(predictions) == 2 and predictions[1] == []
    for start, end, entity, score in predictions[0]:
        assert 0 <= start < end <= 20 and entity in spec.entity_types and 0.0 <= score <= 1.0
    # continuing from a trained tagger (how the analyst's corrections are learnt) keeps its set-up
    train_tagger_small(tmp_path / "continued", examples, init_from=folder)
    continued = NetworkSpec.read(tmp_path / "continued")
    assert continued.training["init_from"] == str(folder) and continued.top_layers == spec.top_layers
    PiiTagger.load(tmp_path / "continued")


def train_tagger_small(folder, examples, **kwargs):
    from privdesk.core.ner.train import train_tagger

    return train_tagger(examples, folder, epochs=1, max_steps=2, batch_tokens=256, seed=1,
                        dev_examples=examples[:3], **kwargs)


def test_cancelled_training_writes_nothing(tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        train_tagger_small(tmp_path / "tagger", ALIGNMENT_EXAMPLES, cancel=token)
    assert not (tmp_path / "tagger").exists()


def test_missing_weights_raise_a_clear_error(tmp_path):
    from privdesk.core.ner.recognizer import TransformerRecognizer

    with pytest.raises(PrivDeskError, match=META_FILE):
        PiiTagger.load(tmp_path)
    with pytest.raises(PrivDeskError, match="privdesk.core.ner.train"):
        TransformerRecognizer(tmp_path)


# --- the shipped model ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return PiiTagger.load()


def _found(predictions, text, entity):
    return [text[s:e] for s, e, t, _ in predictions if t == entity]


def test_shipped_tagger_finds_pii_in_unseen_sentences(shipped):
    texts = [
        "Yesterday I bumped into Margaret Thompson at the farmers market, she says hi.",
        "If anything changes you can reach me at lena.fischer@postbox.org, cheers",
        "Please send the replacement unit to:\n42 Willow Crescent\nBrighton BN1 4GH\nThanks a lot!",
    ]
    first, second, third = shipped.predict(texts)
    assert "Margaret Thompson" in _found(first, texts[0], "PERSON")
    assert "lena.fischer@postbox.org" in _found(second, texts[1], "EMAIL_ADDRESS")
    places = _found(third, texts[2], "LOCATION")
    assert any("42 Willow Crescent" in place and "Brighton" in place for place in places), places
    for predictions, text in zip((first, second, third), texts):
        assert all(0 <= s < e <= len(text) and 0 < score <= 1 for s, e, _, score in predictions)


@pytest.mark.slow
def test_shipped_tagger_reads_long_texts_through_windows(shipped):
    sample, names = _long_text()
    predictions = shipped.predict([sample.text])[0]
    emails = _found(predictions, sample.text, "EMAIL_ADDRESS")
    assert emails == ["last.person@example.org"]  # far past the first 128-token window
    people = set(_found(predictions, sample.text, "PERSON"))
    assert len(people & set(names)) >= len(names) * 0.9
    words, _ = shipped.word_probabilities([sample.text])[0]
    expected = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", sample.text)]
    assert words == expected  # every word and punctuation mark was tagged, with its own offsets


def test_shipped_tagger_is_safe_to_share_between_threads(shipped):
    texts = [f"Contact {name} at {name.lower()}@example.com." for name in ("Ada Byron", "Alan Turing", "Grace Hopper")]
    expected = shipped.predict(texts)
    results: list = [None] * 6
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, shipped.predict(texts))) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results)


@pytest.mark.slow
def test_bfloat16_and_float32_agree_on_clear_cases(shipped):
    texts = ["Mail lena.fischer@postbox.org or call Margaret Thompson.", "Nothing personal here, just 3 apples."]
    reference = [[span[:3] for span in spans] for spans in shipped.predict(texts)]
    assert reference[1] == []
    other = PiiTagger.load(bfloat16=not shipped.bfloat16)
    assert [[span[:3] for span in spans] for spans in other.predict(texts)] == reference


@pytest.mark.slow
def test_shipped_tagger_loads_with_the_network_blocked(monkeypatch):
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    tagger = PiiTagger.load(default_model_dir())
    text = "Send it to grace.hopper@navy.mil today."
    assert _found(tagger.predict([text])[0], text, "EMAIL_ADDRESS") == ["grace.hopper@navy.mil"]
    assert attempts == []


# --- the Presidio recognizer ----------------------------------------------------------------------

def test_recognizer_is_lazy_and_knows_its_entities():
    from privdesk.core.ner.recognizer import TransformerRecognizer

    recognizer = TransformerRecognizer()
    assert recognizer._tagger is None  # constructing it loaded no network
    assert recognizer.name == "TransformerRecognizer"
    assert {"PERSON", "EMAIL_ADDRESS", "LOCATION"} <= set(recognizer.supported_entities)
    assert TransformerRecognizer(supported_entities=["PERSON", "NOT_A_TYPE"]).supported_entities == ["PERSON"]


def test_recognizer_returns_presidio_results(shipped):
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    from privdesk.core.ner.recognizer import TransformerRecognizer

    recognizer = TransformerRecognizer(tagger=shipped)
    assert isinstance(recognizer, EntityRecognizer)
    texts = ["Call Margaret Thompson on Friday.", "Mail lena.fischer@postbox.org now", ""]
    batch = recognizer.analyze_batch(texts)
    assert len(batch) == 3 and batch[2] == []
    single = recognizer.analyze(texts[1], ["EMAIL_ADDRESS"])
    assert [(r.start, r.end) for r in single] == [(5, 29)]
    for results, text in zip(batch, texts):
        for result in results:
            assert isinstance(result, RecognizerResult)
            assert 0 <= result.start < result.end <= len(text) and 0 < result.score <= 1
            assert result.analysis_explanation.recognizer == "TransformerRecognizer"
            assert result.recognition_metadata[RecognizerResult.RECOGNIZER_NAME_KEY] == "TransformerRecognizer"
    assert recognizer.analyze(texts[0], ["CREDIT_CARD"]) == []
