"""Phone numbers of many countries, validated with Google's libphonenumber (the `phonenumbers` package).

Running `PhoneNumberMatcher` once per region over every text is slow and, for permissive numbering
plans such as Germany's, matches almost any digit run. Instead one cheap regex finds phone-shaped
candidates, and each candidate is parsed by `phonenumbers` under the regions its shape allows:

  +44 20 7946 0958, 0044 ..., 011 44 ...   international: parsed as written
  020 7946 0958, 030 1234567, 06 12 34 56 78   trunk prefix 0: regions that dial a leading 0
  (212) 555-1234, 212.555.1234              NANP shapes: US/CA
  98765 43210                                Indian mobiles
  (21) 2345-6789, (61) 97176-6531            Brazilian layout: BR

A number that is valid for its region scores high; one that is only possible needs a tidy phone
layout or a context word ("tel", "call", "mobile") to pass the default threshold. Digit runs next
to words such as "account", "MRN" or "SSN" are left to the recognizers of those identifiers.

Short local numbers that no plan vouches for ("555 0199", "87 47 98") count right after a phone
cue ("call me at", "reach us on", "phone:", "mobile no.", "fax #"). A label glued to the number
("0496 97 06 31-Office", "…-Fax") and lists of numbers ("…-Office,0496 …") do not hide it.
"""

from __future__ import annotations

import phonenumbers
import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer, has_keyword_before, keyword_regex

# A run of digits with the separators phone numbers use, optionally an extension. A comma before it
# is fine unless a digit precedes the comma ("1,234,567" is an amount; "Office,0496 ..." is a list).
_CANDIDATE = re.compile(
    r"(?<![\w+/.:\-]|\d,)(?:\+|00|011[ \-.]?)?[ \-.]?(?:\(\s*\+?\d{1,4}\s*\)[ \-.]?)?\d[\d \-.()/\u00a0]{4,22}\d"
    r"(?:[ \t]*(?:x|ext\.?|extn\.?|extension|#)[ \t]*\d{1,6})?(?![\w]|[.,\-]\d)",
    re.I,
)
_EXTENSION = re.compile(r"[ \t]*(?:x|ext\.?|extn\.?|extension|#)[ \t]*\d{1,6}$", re.I)

_TRUNK_ZERO_REGIONS = ("GB", "FR", "DE", "IN", "AU", "NL", "IT", "IE", "NZ", "ZA", "BE", "CH", "AT", "SE", "JP", "BR", "TR", "NG", "PK", "PH")
_NANP_REGIONS = ("US", "CA")
_OTHER_REGIONS = ("IN", "ES", "PL", "MX", "SG", "CN", "IT", "PT", "DK", "NO", "IL", "AE")
# Regions whose plans accept so many digit strings that "valid" says little about a number.
_PERMISSIVE = {"DE", "AT", "IT", "JP", "BR", "CN"}

_CONTEXT = keyword_regex(
    """phone phones tel tel. telephone mobile mob mob. cell cellphone call called calling ring rang text texted sms
    whatsapp fax contact reach dial dialled dialed number no. ph ph. hotline landline callback voicemail telefon
    téléphone portable handy""".split()
)
# Words that show the digits are some other identifier; those have their own recognizers.
_OTHER_ID = keyword_regex(
    """mrn account acct a/c iban ssn sin nino passport license licence dl member policy claim invoice order
    ticket case ref reference routing sort serial isbn id npi dea lot batch tracking confirmation card pin
    zip postcode""".split()
)
# A phone cue that ends right where a number starts: "call me at", "reach us on", "text me on",
# "phone:", "tel.", "mobile no.", "fax #", "phone number is". After one of these, a short local number
# in digit groups ("555 0199", "87 47 98") is a phone number even when no numbering plan vouches for it.
# Only the imperative takes the number straight after the verb ("call 555 0199"): "called 120 000
# customers" and "reached 555 0199 visitors" are counts.
_CALL_OBJECT = (r"(?:[ \t]+(?:me|us|you|him|her|them|back|anytime|again|the[ \t]+office|our[ \t]+office|"
                r"my[ \t]+cell|my[ \t]+mobile))*")
_CUE_BEFORE_NUMBER = re.compile(
    rf"(?:\b(?:call|ring|text|txt|sms|whatsapp|dial|phone|buzz){_CALL_OBJECT}(?:[ \t]+(?:on|at|via))?"
    rf"|\b(?:calls|called|calling|rang|ringing|texted|texting|reach|reached|contact|contacted){_CALL_OBJECT}"
    r"[ \t]+(?:on|at|via)"
    r"|\b(?:phone|telephone|tel|mobile|mob|cell|cellphone|fax|ph|landline|whatsapp|hotline)\.?"
    r"(?:[ \t]+(?:number|no\.?|num|#))?(?:[ \t]*[:=#]|[ \t]+(?:is|was|now))?)[ \t]*$",
    re.I,
)
# Short local numbers: 6 to 15 digits in groups joined by one space, dot or dash, with an optional
# extension; the shape the cue makes believable.
_LOCAL_NUMBER = re.compile(
    r"(?<![\w+/.\-]|\d[,:])\d{1,8}(?:[ .\-]\d{1,8}){0,5}(?:[ \t]*(?:x|ext\.?|extn\.?)[ \t]*\d{1,6})?"
    r"(?![\w]|[.,\-/]\d|[ ]\d)",
    re.I,
)
_CUE_WINDOW = 40
_CUE_WORD = re.compile(r"call|ring|rang|te?xt|sms|whatsapp|reach|contact|dial|phone|buzz|tel|mob|cell|fax|ph|line", re.I)
_DATE_SHAPE = re.compile(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$")
_SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_TIME_SHAPE = re.compile(r"^\d{1,2}[.:]\d{2}(?:[.:]\d{2})?$")
# Postcodes with a hyphen (Brazil 01310-100, Poland 00-950) and digit groups of card or account shape.
_NOT_PHONE_SHAPE = re.compile(r"^(?:\d{5}-\d{3}|\d{2}-\d{3}|\d{4}[ \-]\d{4}[ \-]\d{4}(?:[ \-]\d{1,4})?)$")
_NANP_SHAPE = re.compile(r"^(?:\+?1[ \-.]?)?(?:\(\d{3}\)\s?|\d{3}[ \-.])\d{3}[ \-.]\d{4}$")
# Brazil writes the two-digit area code in brackets: "(21) 2345-6789", mobiles "(61) 97176-6531".
_BRAZIL_SHAPE = re.compile(r"^\(\d{2}\)\s?9?\d{4}-\d{4}$")
_TIDY_SHAPE = re.compile(r"^(?:\+|00|\(|0)")


class PhoneNumberRecognizer(TextRecognizer):
    ENTITIES = ("PHONE_NUMBER",)
    # Used by the context enhancer for words the caller supplies (a column name such as "phone").
    CONTEXT = ["phone", "tel", "mobile", "cell", "fax", "contact", "call", "telefon", "whatsapp"]

    def __init__(self):
        super().__init__(context=list(self.CONTEXT))

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        for match in _CANDIDATE.finditer(text):
            start, end = match.span()
            raw = text[start:end]
            # The candidate regex may swallow a trailing ")" or leading "(" that belongs to the prose.
            while raw.endswith(")") and raw.count("(") < raw.count(")"):
                raw, end = raw[:-1], end - 1
            while raw.startswith("(") and raw.count("(") > raw.count(")"):
                raw, start = raw[1:], start + 1
            raw = raw.strip(" -.")
            start = text.index(raw, start) if raw else start
            end = start + len(raw)
            scored = self._score(raw)
            if scored is None:
                continue
            score, how = scored
            # "MRN 12345678" is not a phone number; "account ... call me on 0123 ..." still is: the nearer word decides.
            if not raw.startswith("+") and _last_keyword_end(text, start, _OTHER_ID) > _last_keyword_end(text, start, _CONTEXT):
                continue
            context_used = has_keyword_before(text, start, _CONTEXT, window=40)
            if context_used:
                score = min(0.95, max(score + 0.25, 0.6))
                how += " + context"
            results.append(self.result("PHONE_NUMBER", start, end, score, how, context_used=context_used))
        results.extend(self._local_numbers_after_cue(text, results))
        return results

    def _local_numbers_after_cue(self, text: str, found: list[RecognizerResult]) -> list[RecognizerResult]:
        """Short local numbers ("call me at 555 0199") that no numbering plan vouched for, right after a cue."""
        results: list[RecognizerResult] = []
        if _CUE_WORD.search(text) is None:
            return results
        for match in _LOCAL_NUMBER.finditer(text):
            start, end = match.span()
            if any(r.start < end and start < r.end for r in found):
                continue
            if _CUE_BEFORE_NUMBER.search(text, max(0, start - _CUE_WINDOW), start) is None:
                continue
            number_part = _EXTENSION.sub("", match.group())
            digits = re.sub(r"\D", "", number_part)
            if not 6 <= len(digits) <= 15 or len(set(digits)) == 1:
                continue
            if _DATE_SHAPE.match(number_part) or _SSN_SHAPE.match(number_part) or _TIME_SHAPE.match(number_part):
                continue
            results.append(self.result("PHONE_NUMBER", start, end, 0.65, "local number after a phone cue",
                                       context_used=True))
        return results

    @staticmethod
    def _score(raw: str) -> tuple[float, str] | None:
        number_part = _EXTENSION.sub("", raw)
        digits = re.sub(r"\D", "", number_part)
        if not 7 <= len(digits) <= 15:
            return None
        if _DATE_SHAPE.match(number_part) or _SSN_SHAPE.match(number_part) or _NOT_PHONE_SHAPE.match(number_part):
            return None
        if len(set(digits)) == 1:
            return None
        separators = len(re.findall(r"[ \-.()/]", number_part))

        if number_part.startswith(("+", "00", "011")):
            international = "+" + re.sub(r"^(?:\+|00|011)", "", re.sub(r"[^\d+]", "", number_part))
            parsed = _parse(international, None)
            if parsed is None:
                return None
            if phonenumbers.is_valid_number(parsed):
                return 0.85, "international, valid"
            if phonenumbers.is_possible_number(parsed):
                return 0.6, "international, possible"
            return None

        if number_part.lstrip("(").startswith("0"):
            best = None
            written = _digit_groups(number_part)
            for region in _TRUNK_ZERO_REGIONS:
                parsed = _parse(number_part, region)
                if parsed is not None and phonenumbers.is_valid_number(parsed):
                    # The way the digits are grouped names the country: "0496 97 06 31" is Belgian,
                    # "04 96 97 06 31" French, "030 1234567" German. A plan's own layout is strong evidence.
                    if separators and written == _national_groups(parsed):
                        return 0.7, f"national ({region}), valid, written as there"
                    strict = region not in _PERMISSIVE
                    score = 0.7 if strict else 0.5
                    if best is None or score > best[0]:
                        best = (score, f"national ({region}), valid")
                    if strict and not separators:
                        break
            if best is not None:
                return best if separators else (best[0] - 0.2, best[1] + ", unformatted")
            return (0.3, "national, unknown plan") if separators >= 2 else None

        if _BRAZIL_SHAPE.match(number_part):
            parsed = _parse(number_part, "BR")
            if parsed is not None and phonenumbers.is_valid_number(parsed):
                return 0.7, "Brazilian layout, valid"
        if 10 <= len(digits) <= 11:
            nanp_shape = bool(_NANP_SHAPE.match(number_part))
            for region in _NANP_REGIONS:
                parsed = _parse(number_part, region)
                if parsed is not None and phonenumbers.is_valid_number(parsed):
                    return (0.7, "NANP, valid") if nanp_shape else (0.35, "NANP digits, valid")
            if nanp_shape:
                parsed = _parse(number_part, "US")
                if parsed is not None and phonenumbers.is_possible_number(parsed):
                    return 0.5, "NANP layout, possible"
        for region in _OTHER_REGIONS:
            parsed = _parse(number_part, region)
            if parsed is not None and phonenumbers.is_valid_number(parsed):
                return (0.5, f"national ({region}), valid") if separators else (0.3, f"digits ({region}), valid")
        if len(digits) == 7 and re.fullmatch(r"\d{3}[\-.]\d{4}", number_part):
            return 0.3, "local seven digits"
        return None


def _last_keyword_end(text: str, start: int, keywords: re.Pattern, window: int = 30) -> int:
    """Where the last keyword before `start` (within `window` characters) ends; -1 if there is none."""
    last = -1
    for match in keywords.finditer(text, max(0, start - window), start):
        last = match.end()
    return last


def _digit_groups(number: str) -> tuple[int, ...]:
    return tuple(len(group) for group in re.findall(r"\d+", number))


def _national_groups(parsed) -> tuple[int, ...]:
    return _digit_groups(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


def _parse(number: str, region: str | None):
    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
