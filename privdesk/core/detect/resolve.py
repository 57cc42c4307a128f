"""From overlapping candidates to the final spans of one text.

Several recognizers often claim the same characters: spaCy calls "555-1234" a DATE, the URL
pattern finds "example.com" inside an e-mail address, spaCy's "Baker Street" lies inside a street
address. The rules, in order:

1. candidates under the threshold, and allow-listed text, are dropped;
2. overlapping candidates of the same type are joined into one span;
3. across types, the more specific recognizer wins (validated identifiers > patterns > NER), then
   the longer span, then the higher score; a loser that only partly overlaps keeps its
   remainder if it is an NER span and the remainder still holds a word;
4. neighbours are merged: PERSON tokens separated by a space, a date and its time, and the parts of
   an address with the town or postcode spaCy found next to it.
"""

from __future__ import annotations

from typing import NamedTuple

import regex as re

from privdesk.core.detect.lists import normalise_term


class Candidate(NamedTuple):
    start: int
    end: int
    entity_type: str
    score: float
    recognizer: str


# Recognizers whose matches are validated or anchored on a label: they beat everything else.
_SPECIFIC = ("EmailRecognizer", "BoundedUrlRecognizer", "CreditCardRecognizer", "IbanRecognizer", "IpRecognizer",
             "UsSsnRecognizer", "MedicalLicenseRecognizer")
_NER = ("SpacyNerRecognizer", "TransformerNerRecognizer", "NrpRecognizer")


def tier(recognizer: str) -> int:
    if recognizer in _SPECIFIC or recognizer.startswith(("Keyed", "custom:", "DenyList:")):
        return 3
    if recognizer in _NER:
        return 1
    return 2


def resolve(text: str, candidates: list[Candidate], *, threshold: float, allow_list: frozenset[str] = frozenset(),
            ) -> list[Candidate]:
    kept = [c for c in candidates if c.score >= threshold and c.end > c.start]
    if allow_list:
        kept = [c for c in kept if normalise_term(text[c.start:c.end]) not in allow_list]
    kept = _join_same_type(kept)
    kept = _resolve_across_types(text, kept)
    kept = _merge_neighbours(text, kept)
    return sorted(kept)


def _join_same_type(candidates: list[Candidate]) -> list[Candidate]:
    joined: list[Candidate] = []
    for entity_type in {c.entity_type for c in candidates}:
        group = sorted((c for c in candidates if c.entity_type == entity_type), key=lambda c: (c.start, -c.end))
        members: list[Candidate] = []
        for cand in group:
            if members and cand.start < max(m.end for m in members):
                members.append(cand)
            else:
                if members:
                    joined.append(_joined(members))
                members = [cand]
        if members:
            joined.append(_joined(members))
    return joined


def _joined(members: list[Candidate]) -> Candidate:
    """One span over overlapping candidates of one type, named after the recognizer that vouches for all of it.

    A specific recognizer that found only part of the span ("Everett" as a given name inside spaCy's
    "Everett Pharmacy") must not lend its rank to the rest: the joined span then ranks as the most
    general member that reaches beyond it.
    """
    start = min(m.start for m in members)
    end = max(m.end for m in members)
    covering = [m for m in members if m.start <= start and m.end >= end]
    if covering:
        best = max(covering, key=lambda c: (tier(c.recognizer), c.score))
    else:
        best = min(members, key=lambda c: (tier(c.recognizer), -(c.end - c.start)))
    return Candidate(start, end, members[0].entity_type, max(m.score for m in members), best.recognizer)


_NAME_TYPES = frozenset({"PERSON", "ORGANIZATION", "LOCATION", "NRP"})


def _priority(c: Candidate) -> tuple:
    return (-tier(c.recognizer), -(c.end - c.start), -c.score, c.start)


def _resolve_across_types(text: str, candidates: list[Candidate]) -> list[Candidate]:
    accepted: list[Candidate] = []
    pending = sorted(candidates, key=_priority)
    while pending:
        cand = pending.pop(0)
        overlapping = [a for a in accepted if cand.start < a.end and a.start < cand.end]
        if not overlapping:
            accepted.append(cand)
            continue
        if tier(cand.recognizer) > 1 and cand.entity_type not in _NAME_TYPES:
            continue  # a cut phone number or identifier means nothing; what is left of a name is still a name
        remainders = _remainders(text, cand, overlapping)
        if remainders:
            pending = sorted(pending + remainders, key=_priority)
    return accepted


def _remainders(text: str, cand: Candidate, blockers: list[Candidate]) -> list[Candidate]:
    pieces = [(cand.start, cand.end)]
    for blocker in blockers:
        next_pieces = []
        for s, e in pieces:
            if blocker.start > s:
                next_pieces.append((s, min(e, blocker.start)))
            if blocker.end < e:
                next_pieces.append((max(s, blocker.end), e))
        pieces = next_pieces
    result = []
    for s, e in pieces:
        while s < e and not text[s].isalnum():
            s += 1
        while e > s and not text[e - 1].isalnum():
            e -= 1
        # What is left of a name must still look like one: a capitalised word.
        if e - s >= 2 and re.search(r"\p{Lu}\p{L}", text[s:e]):
            result.append(cand._replace(start=s, end=e))
    return result


_PERSON_GAP = re.compile(r"[ \t]{1,2}|[ \t]?-[ \t]?")
_DATE_GAP = re.compile(r"[ \t]*,?[ \t]*")
_LOCATION_GAP = re.compile(r"[ \t]*,[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*|[ \t]+")
_ADDRESS = "StreetAddressRecognizer"


def _merge_neighbours(text: str, candidates: list[Candidate]) -> list[Candidate]:
    spans = sorted(candidates)
    merged: list[Candidate] = []
    for cand in spans:
        if merged and _should_merge(text, merged[-1], cand):
            prev = merged[-1]
            recognizer = prev.recognizer if tier(prev.recognizer) >= tier(cand.recognizer) else cand.recognizer
            entity_type = "LOCATION" if "LOCATION" in (prev.entity_type, cand.entity_type) else prev.entity_type
            merged[-1] = Candidate(prev.start, cand.end, entity_type, max(prev.score, cand.score), recognizer)
        else:
            merged.append(cand)
    return merged


def _should_merge(text: str, left: Candidate, right: Candidate) -> bool:
    gap = text[left.end:right.start]
    if left.end > right.start:
        return False
    if left.entity_type == right.entity_type == "PERSON":
        return _PERSON_GAP.fullmatch(gap) is not None
    if left.entity_type == right.entity_type == "DATE_TIME":
        return _DATE_GAP.fullmatch(gap) is not None and len(gap) <= 3
    location_pair = {left.entity_type, right.entity_type} <= {"LOCATION", "ZIP_CODE"}
    if location_pair and _ADDRESS in (left.recognizer, right.recognizer):
        return _LOCATION_GAP.fullmatch(gap) is not None
    if left.entity_type == right.entity_type == "LOCATION":
        # "Springfield, Illinois", "Paris, France": one place written in two parts on one line.
        return re.fullmatch(r"[ \t]*,[ \t]*", gap) is not None
    return False
