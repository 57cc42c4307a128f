"""ZIP and postal codes on their own ("zip 94043", "Postcode: SW1A 2AA", "PLZ 10115", "CEP 01310-100").

Inside a street address the whole address is one LOCATION (see address.py); this recognizer finds
the codes that stand alone. Three strengths of evidence:

  * a label right before the code ("zip", "postal code:", "PLZ", "CEP", "code postal", "my zip code
    is"): then any postcode shape of the world's formats is accepted, from three digits ("400") to
    "50110-745", "671 51", "SW1A 1AA", "D02 X285" or "CH-8001";
  * a shape distinctive enough on its own: UK postcodes and Canadian "A1A 1A1" codes;
  * Brazil's "01310-100" and Portugal's "4920-112" shapes beside a place name ("São Paulo - SP,
    01310-100", "4920-112 Vila Nova"), since the same shapes are also reference numbers.

A bare number is never a postcode without a label: too many numbers have four or five digits.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.gazetteers.common_words import is_common_word
from privdesk.core.detect.recognizers.base import TextRecognizer, has_keyword_before, keyword_regex

_CONTEXT = keyword_regex(
    ["zip", "zip code", "zipcode", "zip+4", "postal code", "postcode", "post code", "postal", "plz",
     "postleitzahl", "code postal", "cp", "cap", "pin code", "pincode", "eircode", "postnummer"]
)

_PATTERNS: list[tuple[str, re.Pattern, float, bool]] = [
    # (name, pattern, score without context, needs context)
    ("UK postcode", re.compile(r"(?<![\w-])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])"), 0.5, False),
    ("Canadian postal code", re.compile(r"(?<![\w-])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d(?![\w-])"), 0.5, False),
    ("US ZIP+4", re.compile(r"(?<![\w.,$€£-])\d{5}-\d{4}(?![\w-])"), 0.35, False),
    ("Dutch postcode", re.compile(r"(?<![\w-])\d{4} ?[A-Z]{2}(?![\w-])"), 0.1, True),
    ("numeric code", re.compile(r"(?<![\w.,$€£/:-])(?:[A-Z]{1,2}-)?\d{4,6}(?![\w/:-]|[.,]\d)"), 0.05, True),
    ("Irish Eircode", re.compile(r"(?<![\w-])[AC-FHKNPRTV-Y]\d{2}[ ]?[AC-FHKNPRTV-Y0-9]{4}(?![\w-])"), 0.1, True),
]

# Labels that name a postal code unambiguously; after one of these any postcode shape is accepted.
# ("cp", "cap" and "pin code" are left out: "cap 500", "PIN code 4821" say nothing about a postcode.)
_LABEL = (r"(?:zip(?:[ \t]*\+[ \t]*4)?(?:[ \t]*code)?|zipcode|post(?:al)?[ \t]*code|postcode|plz|postleitzahl|cep|"
          r"code[ \t]+postal|eircode|postnummer|postnr\.?)")
# The label, then a colon, "is", "#" or "no." perhaps, then the code: an optional country prefix ("CH-",
# "SE-"), a first group holding a digit, and at most one more group after a space or dash; three
# to ten letters and digits in all. A second group of letters only is allowed for the Dutch "1234 AB".
_LABELLED_CODE = re.compile(
    rf"(?i:\b{_LABEL}(?:[ \t]*(?:[:#=]|no\.?|number|is|was|of)[ \t]*)*)[ \t]*"
    r"(?P<code>(?:[A-Z]{1,2}-)?(?i:[a-z0-9]*\d[a-z0-9]*)(?:[ \-](?:(?i:[a-z0-9]*\d[a-z0-9]*)|[A-Z]{2}))?)"
    r"(?![\w\-]|[.,]\d)"
)
_CODE_LENGTH = (3, 10)

# Brazil's CEP (five digits, dash, three) and Portugal's code (four, dash, three), near a place name.
_HYPHENATED = re.compile(r"(?<![\w.,/:$€£\-])(?:\d{5}-\d{3}|\d{4}-\d{3})(?![\w\-]|[.,/]\d)")
# A capitalised word (perhaps a two-letter state after it) right before the code on the same line,
# or a capitalised word right after it: "Franco da Rocha SP 07811-190", "Lisboa, 1100-148", "4920-112 Vila".
_PLACE_BEFORE = re.compile(r"(?<![\p{L}'\-])(?P<word>\p{Lu}[\p{L}'\-]+)(?:[ \t]+[A-Z]{2})?[ \t]*(?:[,\-–][ \t]*)?$")
_PLACE_AFTER = re.compile(r"[ \t]+(?P<word>\p{Lu}\p{Ll}[\p{L}'\-]*)")
# Capitalised words that label other numbers of these shapes: "Invoice 12345-678" is no postcode.
_NOT_PLACE = keyword_regex(
    """invoice order ref reference ticket case claim policy account acct member id no number nr tel phone fax
    mobile cell room suite apt unit flat floor lot batch serial model part item sku version build page
    chapter section table figure""".split()
)


class PostcodeRecognizer(TextRecognizer):
    ENTITIES = ("ZIP_CODE",)

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        labelled = self._labelled_codes(text)
        results.extend(labelled)
        taken = [(r.start, r.end) for r in labelled]
        for how, pattern, score, needs_context in _PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(s <= start and end <= e for s, e in taken):
                    continue
                if has_keyword_before(text, start, _CONTEXT, window=25):
                    results.append(self.result("ZIP_CODE", start, end, min(0.9, max(score + 0.5, 0.75)), how + " + context", context_used=True))
                elif not needs_context:
                    results.append(self.result("ZIP_CODE", start, end, score, how))
        for match in _HYPHENATED.finditer(text):
            start, end = match.span()
            if any(s <= start and end <= e for s, e in taken) or not _beside_place(text, start, end):
                continue
            results.append(self.result("ZIP_CODE", start, end, 0.6, "hyphenated postcode beside a place"))
        return results

    def _labelled_codes(self, text: str) -> list[RecognizerResult]:
        results = []
        for match in _LABELLED_CODE.finditer(text):
            start, end = match.span("code")
            code = match.group("code")
            alnum = sum(ch.isalnum() for ch in code)
            if not _CODE_LENGTH[0] <= alnum <= _CODE_LENGTH[1]:
                continue
            results.append(self.result("ZIP_CODE", start, end, 0.85, "any postcode shape after a label",
                                       context_used=True))
        return results


def _beside_place(text: str, start: int, end: int) -> bool:
    """A capitalised word that is no everyday word and no label of another number stands next to the code."""
    line_start = text.rfind("\n", 0, start) + 1
    before = _PLACE_BEFORE.search(text, max(line_start, start - 40), start)
    after = _PLACE_AFTER.match(text, end)
    return any(found is not None and _could_be_place(found.group("word")) for found in (before, after))


def _could_be_place(word: str) -> bool:
    return _NOT_PLACE.fullmatch(word) is None and not is_common_word(word)
