"""Settings, user-defined recognizers, validators, recognizer units and offline behaviour."""

from __future__ import annotations

import socket

import pytest

from privdesk.core.detect import CustomRecognizerSpec, DetectionConfigError, DetectionEngine, DetectionSettings
from privdesk.core.detect.validators import iban_valid, luhn_valid
from privdesk.core.errors import PrivDeskError


def test_luhn_and_iban_validators():
    assert luhn_valid("4111 1111 1111 1111") and not luhn_valid("4111 1111 1111 1112")
    assert iban_valid("DE89 3704 0044 0532 0130 00") and not iban_valid("DE88 3704 0044 0532 0130 00")
    assert not iban_valid("not an iban")


def test_custom_regex_recognizer_with_luhn_validator():
    spec = CustomRecognizerSpec(name="loyalty card", entity_type="LOYALTY_CARD", patterns=[r"\bLC-\d{4}-\d{4}\b"],
                                validator="luhn", score=0.8)
    engine = DetectionEngine(DetectionSettings(entities=("LOYALTY_CARD",), custom_recognizers=[spec]))
    # LC-4111-1111: digits 41111111 fail Luhn; LC-0000-0000 passes (sum 0).
    text = "Cards LC-4111-1111 and LC-0000-0000 were scanned."
    spans = engine.analyze_text(text)
    assert [(text[s.start:s.end], s.entity_type, s.score, s.recognizer) for s in spans] == [
        ("LC-0000-0000", "LOYALTY_CARD", 0.8, "custom:loyalty card")]


def test_custom_terms_recognizer_is_case_insensitive_whole_word():
    spec = CustomRecognizerSpec(name="sites", entity_type="LOCATION", terms=["Ward 7B", "Hilltop Annex"])
    engine = DetectionEngine(DetectionSettings(entities=("LOCATION",), custom_recognizers=[spec]))
    text = "Moved from ward 7b to the HILLTOP ANNEX; Ward 7Bx is not a site."
    assert [text[s.start:s.end] for s in engine.analyze_text(text)] == ["ward 7b", "HILLTOP ANNEX"]


def test_custom_spec_round_trips_through_json_dict():
    spec = CustomRecognizerSpec(name="emp", entity_type="EMPLOYEE_ID", patterns=[r"E\d{6}"], context=["employee"],
                                score=0.7)
    assert CustomRecognizerSpec.from_dict(spec.to_dict()) == spec
    settings = DetectionSettings(threshold=0.5, entities=("PERSON",), custom_recognizers=[spec],
                                 deny_list={"PERSON": ["Bob"]}, allow_list=("Acme",))
    assert DetectionSettings.from_dict(settings.to_dict()) == settings


@pytest.mark.parametrize("bad", [
    dict(name="x", entity_type="lower", patterns=["a"]),
    dict(name="x", entity_type="X", patterns=["("]),
    dict(name="x", entity_type="X", patterns=["a*"]),
    dict(name="x", entity_type="X"),
    dict(name="x", entity_type="X", patterns=["a"], validator="md5"),
    dict(name="x", entity_type="X", patterns=["a"], score=1.5),
    dict(name="x", entity_type="X", patterns=["a"], colour="red"),
])
def test_invalid_custom_specs_are_user_errors(bad):
    with pytest.raises(PrivDeskError) as info:
        CustomRecognizerSpec.from_dict(bad)
    assert isinstance(info.value, DetectionConfigError)


def test_invalid_settings_are_user_errors():
    for settings in (DetectionSettings(threshold=2), DetectionSettings(jobs=0), DetectionSettings(language="de")):
        with pytest.raises(DetectionConfigError):
            DetectionEngine(settings)


def test_missing_spacy_model_is_a_user_error():
    engine = DetectionEngine(DetectionSettings(spacy_model="no_such_spacy_model_xyz"))
    with pytest.raises(DetectionConfigError, match="no_such_spacy_model_xyz"):
        engine.analyze_text("hello")


def test_detection_with_sockets_blocked(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[:1])
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine = DetectionEngine()
    text = "Email priya@clinic.example.co.uk or visit https://clinic.example.org/forms, Dr. Priya Nair."
    spans = {(text[s.start:s.end], s.entity_type) for s in engine.analyze_text(text)}
    assert ("priya@clinic.example.co.uk", "EMAIL_ADDRESS") in spans
    assert ("https://clinic.example.org/forms", "URL") in spans
    assert attempts == []


def test_tldextract_uses_the_bundled_snapshot_only():
    from privdesk.core.detect.offline import ensure_offline

    ensure_offline()
    import tldextract

    extractor = tldextract.tldextract.TLD_EXTRACTOR
    assert tuple(extractor.suffix_list_urls) == ()
    assert tldextract.extract("a.b.example.co.uk").suffix == "co.uk"


@pytest.mark.slow
def test_core_detect_does_not_import_qt():
    # In a fresh interpreter: pytest-qt has already imported Qt into this one.
    import subprocess
    import sys

    code = ("import sys, privdesk.core.detect.engine, privdesk.core.detect.workers; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_transformer_recognizer_loads_a_local_model_offline(tmp_path):
    """A tiny, randomly initialised BERT token classifier saved to a folder: loaded offline, spans mapped."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "jane", "doe", "lives", "in", "paris", "."]
    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"), do_lower_case=True)
    labels = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC"}
    config = transformers.BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=64, num_labels=4, id2label=labels,
                                     label2id={v: k for k, v in labels.items()})
    torch.manual_seed(0)
    model = transformers.BertForTokenClassification(config)
    with torch.no_grad():  # make every token look like a person, so the output is predictable
        model.classifier.bias.copy_(torch.tensor([-9.0, 9.0, 0.0, -9.0]))
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)

    engine = DetectionEngine(DetectionSettings(use_transformer=True, transformer_model=str(tmp_path),
                                               entities=("PERSON",)))
    engine.load()
    found = engine._transformer.analyze_batch(["jane doe lives in paris ."])[0]
    assert found and all(c.entity_type == "PERSON" and c.recognizer == "TransformerNerRecognizer" for c in found)
    assert DetectionEngine(DetectionSettings(use_transformer=True, transformer_model=str(tmp_path / "missing")))
    with pytest.raises(DetectionConfigError):
        DetectionEngine(DetectionSettings(use_transformer=True, transformer_model=str(tmp_path / "missing"))).load()


def test_shipped_tagger_only_fills_gaps_left_by_the_other_recognizers():
    from privdesk.core.detect.engine import GAP_FILL_MIN_SCORE, _gap_fillers
    from privdesk.core.detect.resolve import Candidate

    found = [Candidate(0, 8, "PERSON", 0.85, "SpacyNerRecognizer")]
    tagged = [(0, 8, "PERSON", 0.99), (20, 31, "LOCATION", 0.95), (40, 45, "ORGANIZATION", GAP_FILL_MIN_SCORE - 0.1)]
    fillers = _gap_fillers(tagged, found)
    assert fillers == [Candidate(20, 31, "LOCATION", 0.95, "PiiTagger")]


def test_engine_with_the_shipped_tagger_finds_what_the_rules_find_and_more_or_equal():
    text = "Spoke with jane doe from gdansk about the refund; email jane.doe@example.com."
    plain = DetectionEngine(DetectionSettings()).analyze_text(text)
    tagged = DetectionEngine(DetectionSettings(use_transformer=True)).analyze_text(text)
    covered = lambda spans: {i for s in spans for i in range(s.start, s.end)}  # noqa: E731
    assert covered(plain) <= covered(tagged)
    assert any(s.entity_type == "EMAIL_ADDRESS" for s in tagged)


def test_default_jobs_uses_a_second_cpu_only_when_one_is_free(monkeypatch):
    import os

    from privdesk.core.detect.settings import default_jobs

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert (default_jobs(), default_jobs(spare=1)) == (2, 1)  # the GUI keeps a CPU for the window
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert (default_jobs(), default_jobs(spare=1)) == (2, 2)  # more workers would idle: spaCy is the bottleneck
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert default_jobs() == 1
