"""detect_records, identifier columns, progress and cancellation, and worker processes."""

from __future__ import annotations

import pytest

from privdesk.core.detect import DetectionEngine, DetectionSettings
from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.types import IGNORE, TEXT, ColumnRole, Span

# Pattern-only settings keep spaCy out of the large-volume tests: they test batching, not NER.
PATTERN_TYPES = ("PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD")


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine()


@pytest.fixture(scope="module")
def pattern_engine() -> DetectionEngine:
    return DetectionEngine(DetectionSettings(entities=PATTERN_TYPES, batch_size=64))


def record_text(i: int) -> str:
    # Every third record has no PII; the rest carry a number that identifies the record.
    if i % 3 == 0:
        return f"Ticket {i}: the printer is jammed again."
    return f"Ticket {i}: call me back on 020 7946 {i % 10000:04d} or mail user{i}@example.com"


class CountingRows:
    """A generator of rows that records how many rows the engine has pulled so far."""

    def __init__(self, n: int):
        self.n = n
        self.pulled = 0

    def __iter__(self):
        for i in range(self.n):
            self.pulled += 1
            yield {"id": i, "text": record_text(i), "email": f"user{i}@example.com", "note": "ignore me 020 7946 0000"}


def test_detect_records_in_order_chunk_by_chunk(pattern_engine):
    rows = CountingRows(3000)
    roles = {"id": IGNORE, "text": TEXT, "email": ColumnRole("identifier", "EMAIL_ADDRESS"), "note": IGNORE}
    chunk_size = 250
    seen = 0
    for index, spans in enumerate(pattern_engine.detect_records(rows, roles, chunk_size=chunk_size)):
        # Bounded memory: the engine never pulls more than the current chunk ahead of what it yielded.
        assert rows.pulled <= (index // chunk_size + 1) * chunk_size
        assert all(isinstance(s, Span) and s.record == index for s in spans)
        assert not any(s.column in ("id", "note") for s in spans)
        text = record_text(index)
        text_spans = [(text[s.start:s.end], s.entity_type) for s in spans if s.column == "text"]
        if index % 3 == 0:
            assert text_spans == []
        else:
            assert text_spans == [(f"020 7946 {index % 10000:04d}", "PHONE_NUMBER"),
                                  (f"user{index}@example.com", "EMAIL_ADDRESS")]
        email = [s for s in spans if s.column == "email"]
        assert [(s.start, s.end, s.entity_type) for s in email] == [(0, len(f"user{index}@example.com"), "EMAIL_ADDRESS")]
        seen += 1
    assert seen == 3000 and rows.pulled == 3000


def test_detect_records_start_record_numbers_records(pattern_engine):
    rows = [{"text": "mail a@example.com"}, {"text": "nothing here"}]
    out = list(pattern_engine.detect_records(rows, {"text": TEXT}, start_record=500))
    assert [[s.record for s in spans] for spans in out] == [[500], []]


def test_detect_records_reads_a_dataset_like_object_from_start_record(pattern_engine):
    class TableLike:
        num_rows = 5

        def column_values(self, column, start=0, stop=None):
            return [f"row {i} mail r{i}@example.com" for i in range(start, stop)]

    out = list(pattern_engine.detect_records(TableLike(), {"text": TEXT}, start_record=2, chunk_size=2))
    assert len(out) == 3
    assert [spans[0].record for spans in out] == [2, 3, 4]


def test_detect_records_with_ner_and_progress(engine):
    rows = [{"body": "Dr. Ingrid Olsen saw the patient on March 3, 2022."}, {"body": None}, {"body": 12345},
            {"body": "Refund sent to Harold Finch."}]
    updates = []
    out = list(engine.detect_records(rows, {"body": TEXT}, chunk_size=2, progress=updates.append))
    assert [[(s.entity_type) for s in spans] for spans in out] == [["PERSON", "DATE_TIME"], [], [], ["PERSON"]]
    assert updates and updates[-1].done == 4


def test_cancel_midway_raises_cancelled(pattern_engine):
    token = CancelToken()
    seen = []

    def progress(info):
        seen.append(info.done)
        if info.done >= 128:
            token.cancel()

    texts = [record_text(i) for i in range(1000)]
    with pytest.raises(Cancelled):
        pattern_engine.analyze_texts(texts, progress=progress, cancel=token)
    assert seen and max(seen) < 1000

    token2 = CancelToken()
    rows = CountingRows(3000)
    with pytest.raises(Cancelled):
        for index, _ in enumerate(pattern_engine.detect_records(rows, {"text": TEXT}, chunk_size=100, cancel=token2)):
            if index == 150:
                token2.cancel()
    assert rows.pulled <= 300


def test_identifier_columns(engine):
    card = engine.analyze_identifier("  4111 1111 1111 1111 ", "CREDIT_CARD", "card_number")
    assert [(s.start, s.end, s.entity_type, s.score) for s in card] == [(2, 21, "CREDIT_CARD", 1.0)]
    bad_card = engine.analyze_identifier("4111 1111 1111 1112", "CREDIT_CARD", "card_number")
    assert bad_card[0].score < card[0].score
    assert engine.analyze_identifier("GB82 WEST 1234 5698 7654 32", "IBAN_CODE", "iban")[0].score == 1.0
    assert engine.analyze_identifier("GB00 WEST 1234 5698 7654 32", "IBAN_CODE", "iban")[0].score < 1.0
    assert engine.analyze_identifier("Jane Q. Public", "PERSON", "name")[0].recognizer == "column:name"
    for empty in ("", "   ", None, "N/A", "null"):
        assert engine.analyze_identifier(empty, "PERSON", "name") == []
    # A role word in a speaker column names no one.
    assert engine.analyze_identifier("Agent", "PERSON", "speaker") == []


@pytest.mark.slow
def test_jobs_two_gives_the_same_result_as_jobs_one(engine):
    texts = [
        "Patient Ana Lima, 34 y/o, lives at 12 Rua Augusta, 01305-000 São Paulo. Tel +55 11 91234-5678.",
        "Send the invoice to billing@example.net; card 5555 5555 5555 4444 was charged on 2023-07-01.",
        "No PII in this sentence at all.",
        "Dear Mr. Kowalski, your IBAN PL61 1090 1014 0000 0712 1981 2874 is verified.",
    ] * 30
    with DetectionEngine(DetectionSettings(jobs=2, batch_size=16)) as parallel:
        assert parallel.analyze_texts(texts) == engine.analyze_texts(texts)
