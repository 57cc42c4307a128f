"""Payment card numbers (PAN): 12 to 19 digits, plain or in groups, checked against issuer ranges and Luhn.

Presidio's CreditCardRecognizer knows the card shapes of about 2010: it misses Mastercard's 2-series
(2221-2720), 19-digit Visa, JCB, Maestro, UnionPay and Mir numbers. Here a candidate is any run of
12-19 digits written the ways card numbers are printed ("4111111111111111", "4111 1111 1111 1111",
"3782-822463-10005", "6011 0009 9013 9424 123"); it is a card number when the Luhn check digit holds and

  * its issuer identification number (IIN, the leading digits) and length belong to a card scheme:
    a common scheme and length (Visa 16, Mastercard 16, Amex 15, ...) is near certain on its own;
    the rarer combinations (13- and 19-digit Visa, 15-digit JCB, 17-19 digits) need no word nearby
    to pass, but score lower, and lose to a label of another identifier ("account", "IMEI");
    Maestro's 12-15 digits, as long as many account, tracking and national ID numbers, count only
    beside a card word;
  * or its IIN is unknown (a private-label or old range) and a card word stands nearby ("card",
    "visa", "cc", "expires" ...): one in ten random digit strings passes Luhn, so the word is required.

The recognizer keeps Presidio's name, "CreditCardRecognizer": overlap resolution ranks it with the
other checksum-validated identifiers, and detections stored in older projects keep their meaning.
"""

from __future__ import annotations

from typing import NamedTuple

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer, keyword_regex
from privdesk.core.detect.validators import luhn_valid


class CardScheme(NamedTuple):
    name: str
    prefixes: tuple[tuple[int, int], ...]  # inclusive ranges of leading digits, each bound with the same digit count
    common_lengths: frozenset[int]  # the lengths cards of this scheme are mostly issued with
    other_lengths: frozenset[int] = frozenset()  # also issued, but rarer
    # Issued too, but as long as many account and tracking numbers: counted only beside a card word.
    context_lengths: frozenset[int] = frozenset()


def _lengths(low: int, high: int) -> frozenset[int]:
    return frozenset(range(low, high + 1))


# Issuer ranges as the schemes publish them (ISO/IEC 7812 registrations). Where two schemes share
# a range (Discover and UnionPay co-badged 622126-622925), the first listed wins; only the score differs.
SCHEMES: tuple[CardScheme, ...] = (
    CardScheme("Visa", ((4, 4),), frozenset({16}), frozenset({13, 19})),
    CardScheme("Mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    CardScheme("American Express", ((34, 34), (37, 37)), frozenset({15})),
    CardScheme("Discover", ((6011, 6011), (644, 649), (65, 65)), frozenset({16}), _lengths(17, 19)),
    CardScheme("Diners Club", ((300, 305), (3095, 3095), (36, 36), (38, 39)), frozenset({14}), _lengths(15, 19)),
    CardScheme("JCB", ((3528, 3589),), frozenset({16}), _lengths(17, 19)),
    CardScheme("JCB (15 digits)", ((2131, 2131), (1800, 1800)), frozenset(), frozenset({15})),
    CardScheme("UnionPay", ((62, 62),), _lengths(16, 19)),
    CardScheme("Mir", ((2200, 2204),), frozenset({16}), _lengths(17, 19)),
    CardScheme("Maestro", ((50, 50), (56, 69)), frozenset({16}), _lengths(17, 19), _lengths(12, 15)),
)


COMMON, RARER, WITH_CONTEXT_ONLY = "common", "rarer", "with context only"


def card_scheme(digits: str) -> tuple[CardScheme, str] | None:
    """The scheme whose issuer range and lengths fit `digits`, and how usual that length is for it."""
    for scheme in SCHEMES:
        for low, high in scheme.prefixes:
            width = len(str(low))
            if len(digits) >= width and low <= int(digits[:width]) <= high:
                if len(digits) in scheme.common_lengths:
                    return scheme, COMMON
                if len(digits) in scheme.other_lengths:
                    return scheme, RARER
                if len(digits) in scheme.context_lengths:
                    return scheme, WITH_CONTEXT_ONLY
    return None


# Twelve to nineteen digits as one run, or grouped the ways cards are printed: a first group of four,
# then groups of four (or Amex/Diners' six), the last group of one to five, one separator throughout.
_PLAIN = re.compile(r"(?<![\w.,+/\-]|\d[ \-])\d{12,19}(?![\w]|[.,/\-]\d|[ \-]\d)")
_GROUPED = re.compile(
    r"(?<![\w.,+/\-]|\d[ \-])\d{4}(?P<sep>[ \-])(?:\d{4}|\d{6})(?:(?P=sep)\d{1,5}){1,3}(?![\w]|[.,/\-]\d|[ \-]\d)"
)

_CARD_WORDS = keyword_regex(
    """card cards cardholder credit debit prepaid visa mastercard master-card amex diners discover jcb maestro
    unionpay cc ccn pan cvv cvc expiry expires expiring expiration exp. exp""".split()
    + ["american express", "credit card", "debit card", "card number", "card no", "valid thru", "valid through"]
)
# Labels of identifiers that are also long digit strings: with one of these nearer than any card word,
# a rare-length number is left to its own recognizer (a 15-digit IMEI, a 12-digit account number).
_OTHER_ID_WORDS = keyword_regex(
    """account acct a/c iban routing aba swift bic checking savings ach wire transit imei imsi iccid meid serial
    s/n invoice order tracking ticket ref reference phone tel mobile fax mrn npi isbn ean upc gtin barcode sku
    policy claim member""".split() + ["sort code"]
)

COMMON_SCORE = 0.9  # a common scheme and length with a valid check digit: near certain
RARE_SCORE = 0.6  # a rarer scheme length: likely, yet a tenth of random strings pass Luhn
UNKNOWN_IIN_SCORE = 0.75  # no known scheme, but a card word nearby
CONTEXT_BONUS = 0.1
CONTEXT_BEFORE, CONTEXT_AFTER = 40, 30


class PaymentCardRecognizer(TextRecognizer):
    ENTITIES = ("CREDIT_CARD",)

    def __init__(self, name: str = "CreditCardRecognizer"):
        super().__init__(name=name)

    def find(self, text: str) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        for pattern in (_GROUPED, _PLAIN):
            for match in pattern.finditer(text):
                span = match.span()
                if span in seen:
                    continue
                scored = self._score(text, *span)
                if scored is not None:
                    seen.add(span)
                    score, how, context_used = scored
                    results.append(self.result("CREDIT_CARD", *span, score, how, context_used=context_used))
        return results

    @staticmethod
    def _score(text: str, start: int, end: int) -> tuple[float, str, bool] | None:
        digits = re.sub(r"\D", "", text[start:end])
        if not 12 <= len(digits) <= 19 or not luhn_valid(digits) or len(set(digits)) == 1:
            return None
        card_word = _distance_to_nearest(text, start, end, _CARD_WORDS)
        other_word = _distance_to_nearest(text, start, end, _OTHER_ID_WORDS)
        has_card_word = card_word is not None
        other_is_nearer = other_word is not None and (card_word is None or other_word < card_word)
        card_context = has_card_word and not other_is_nearer
        found = card_scheme(digits)
        if found is None:
            return (UNKNOWN_IIN_SCORE, "Luhn, unknown issuer + card context", True) if card_context else None
        scheme, usual = found
        if usual == WITH_CONTEXT_ONLY:
            if not card_context:
                return None
            return RARE_SCORE + CONTEXT_BONUS, f"{scheme.name}, Luhn, short + card context", True
        score = COMMON_SCORE if usual == COMMON else RARE_SCORE
        how = f"{scheme.name}, Luhn" + ("" if usual == COMMON else ", rarer length")
        if card_context:
            return min(1.0, score + CONTEXT_BONUS), how + " + card context", True
        if other_is_nearer and usual != COMMON:
            return None
        return score, how, False


def _distance_to_nearest(text: str, start: int, end: int, words: re.Pattern) -> int | None:
    """Distance in characters from the match to the nearest keyword before or after it, or None."""
    nearest = None
    for found in words.finditer(text, max(0, start - CONTEXT_BEFORE), start):
        nearest = start - found.end()
    after = words.search(text, end, min(len(text), end + CONTEXT_AFTER))
    if after is not None:
        distance = after.start() - end
        nearest = distance if nearest is None else min(nearest, distance)
    return nearest
