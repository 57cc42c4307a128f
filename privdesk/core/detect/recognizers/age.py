"""Ages stated in the many ways people write them; the span is the number itself.

"42-year-old", "aged 67", "age: 35", "35 y/o", "a 70 yo male", "42 years of age", "at the age of 42",
"Age 42", "42yo", "6-month-old", "in her 80s", "42M"/"42 F" (clinical shorthand next to a sex marker),
"she'll turn 30", "since I was nine", "At 67 he retired", "died at 94" (turning points and life events).
The number alone is marked so that "<AGE>-year-old" still reads; a bare number is never an age
without one of these cues.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer

_UNITS = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEENS = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_WORD_NUMBER = rf"(?:(?:one[ -])?hundred(?:[ -](?:and[ -])?(?:{_TENS}(?:-{_UNITS})?|{_TEENS}|{_UNITS}))?|{_TENS}(?:[ -]{_UNITS})?|{_TEENS}|{_UNITS})"
_N = rf"(?P<age>\d{{1,3}}(?:[.,]5)?|{_WORD_NUMBER})"
_UNIT = r"(?:years?|yrs?|yr\.|y\.?)"
# A sex word after a bare number, but not a count of people ("42 male patients", "42 males").
_SEX_WORD = (r"(?:male|female|man|woman|boy|girl)\b(?!s|\s+(?:patients|participants|subjects|employees|workers|students|"
             r"children|cases|individuals|volunteers|members|staff|users|customers|respondents|adults)\b)")
_RELATION = (r"(?:son|daughter|wife|husband|partner|spouse|brother|sister|mother|father|mom|mum|dad|nephew|niece|uncle|"
             r"aunt|cousin|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|child|kid|baby|boy|girl)")

# What follows an age that ends its clause or says when ("turned 40.", "turned 40 last week", "turn 30 in
# May"); a number followed by anything else ("turned 90 degrees", "turn 2 pages") is some other count.
_CLAUSE_GOES_ON = (r"(?=\s*(?:[.,;:!?)]|$|(?:years?|yrs?|y/?o|this|next|last|on|in|today|tomorrow|tonight|soon|and|but|so|"
                   r"or|when|before|after|later|yesterday|already|now|then|too|myself|himself|herself|themselves|"
                   r"i|he|she|we|they|you|my|his|her|our|their)\b))")
_NOT_AN_AGE_UNIT = (r"[:.]\d|a\.?m\b|p\.?m\b|o['’]?clock|h\b|hrs?\b|hours?|minutes?|mins?\b|%|percent|degrees|°|"
                    r"mph|km|miles|kg|lbs?\b|mg|feet|ft\b")

_PATTERNS: list[tuple[str, re.Pattern, float]] = [
    # 42-year-old, 42 year old, 42 yr old, 6-month-old, 3-week-old
    ("n-year-old", re.compile(rf"(?<![\w.,])\b{_N}(?:\s*|-)(?:years?|yrs?\.?|months?|mos?|weeks?|wks?|days?)(?:\s*|-)olds?\b", re.I), 0.85),
    # 35 y/o, 35 y.o., 70 yo, 42yo, 35 y/o.
    ("n y/o", re.compile(rf"(?<![\w.,])\b{_N}\s*-?\s*(?:y/o|y\.\s?o\.?|yo|yoa|y-o|y\s+old)(?:[MFmf](?![\w]))?(?![\w/])", re.I), 0.85),
    # 42 years of age, 42 years of age
    ("n years of age", re.compile(rf"(?<![\w.,])\b{_N}\s*{_UNIT}\s+of\s+age\b", re.I), 0.85),
    # aged 67, age: 35, Age 42, age of 42, at the age of 42, ages 5 and 7 (first), aged between
    ("age n", re.compile(rf"\b(?:aged?|ages|age\s+of|at\s+the\s+age\s+of|alter|âge|edad|età)\s*(?:[:=\-–]|is|was|now)?\s*(?:about|approx\.?|approximately|around|~)?\s*{_N}(?!\s*(?:%|mg|kg|lbs?|cm|mm|ml|percent|days?|weeks?|months?|hours?|minutes?|times|x\b))(?:\s*{_UNIT})?(?![\w.,]\d)", re.I), 0.8),
    # turned 42 / turns 42 / turning 42 / will turn 42 / I'll turn 42; not "turned 90 degrees", "turn 2 pages"
    ("turned n", re.compile(rf"\b(?:turned|turns|turning|(?:['’]ll|will|to|gonna|would|shall|['’]d|soon)\s+turn)\s+"
                            rf"{_N}{_CLAUSE_GOES_ON}", re.I), 0.6),
    # "when he was 61", "since I was 12", "by the time she was twenty", "until they were 18"
    ("when n", re.compile(rf"\b(?:when|since|until|till|before|after|by\s+the\s+time|once|while)\s+(?:I|he|she|they|we|you)"
                          rf"\s+(?:was|were|turned|reached|hit)\s+(?:only\s+|just\s+|barely\s+|about\s+|around\s+)?"
                          rf"{_N}{_CLAUSE_GOES_ON}", re.I), 0.65),
    # "at N" opening a clause, a person right after ("At 72 she retired", "and at 15, he left school");
    # from 13 up only, since 1-12 would as likely be a time of day
    ("at n, person", re.compile(r"(?:^|(?<=[.!?;:\n(][ \t]*|,[ \t]*|\b(?i:and|but|then|so|only|even|already|yet)[ \t]+))"
                                r"(?i:at)\s+(?:(?i:only|just|age)\s+)?(?P<age>1[3-9]|[2-9]\d|1[01]\d|120),?\s+"
                                r"(?:[Ii]|[Hh]e|[Ss]he|[Tt]hey|[Ww]e|[Yy]ou)\s+\p{L}"), 0.65),
    # a life event at an age: "died at 88", "retired at 65", "married at 19", "left school at 16"
    ("event at n", re.compile(rf"\b(?:died|dies|passed\s+away|retired|retires|retiring|married|marries|widowed|"
                              rf"emigrated|immigrated|graduated|enlisted|orphaned|adopted|diagnosed|bapti[sz]ed|"
                              rf"left\s+(?:school|home)|dropped\s+out|moved\s+out|became\s+a\s+(?:mother|father|parent))"
                              rf"\s+at\s+(?:the\s+age\s+of\s+|age\s+)?{_N}(?![\w.,:]\d|\s*(?:{_NOT_AN_AGE_UNIT}))", re.I), 0.7),
    # 42 years (when followed by a sex or role word: "42 years male", "a 42 year female")
    ("n years + sex", re.compile(rf"(?<![\w.,])\b{_N}[\s-]*(?:years?|yrs?|y)[\s,-]+(?=(?:old\s+)?(?:male|female|man|woman|boy|girl|m|f|gentleman|lady|patient|pt)\b)", re.I), 0.75),
    # clinical shorthand: 42M, 42 F, 42-year-old is covered above; "a 42 M with"
    ("n + sex letter", re.compile(r"(?<![\w.,/:-])\b(?P<age>\d{1,3})\s?(?P<sex>M|F)\b(?![\w.'/-])"), 0.55),
    # appositive: "John Smith, 54, of Boston", "the patient, 54, was"
    ("appositive", re.compile(r"(?:\b\p{Lu}\p{Ll}+|\b(?:patient|pt|man|woman|male|female|boy|girl|mother|father|son|daughter|wife|husband|client|customer|victim|driver|resident)),\s(?P<age>\d{1,3}),(?:\s|$)(?!\d)"), 0.55),
    # "is 42 years", ", 42 yrs,": a number of years said of someone, not a duration
    ("is n years", re.compile(rf"(?:\b(?:is|was|am|are|now|currently|aged?)|,)\s+{_N}\s*(?:years|yrs?|y)\b(?!\s*(?:ago|later|earlier|before|after|since|prior|of\s+(?:experience|service|employment|marriage)|in\b|at\b|with\b|into\b|on\b|off\b|out\b|post\b|sober\b|clean\b|married\b|there\b|here\b))", re.I), 0.7),
    # "I'm 42", "she is 42." (a bare number after a person and a verb of being, ending the clause)
    ("person is n", re.compile(rf"\b(?:I'm|I\s+am|he's|she's|he\s+is|she\s+is|they're|patient\s+is|pt\s+is|who\s+is|(?:{_RELATION}|customer|client|caller|member|user|applicant|resident|infant|victim|driver)\s+is)\s+(?:now\s+|only\s+|just\s+|almost\s+|nearly\s+)?{_N}(?=\s*(?:[.,;!?)]|$|and\b|but\b|yrs?\b|years\b|y/?o\b|now\b|today\b|this\s+year\b|next\b|soon\b))", re.I), 0.7),
    # "my father, 75, lives", "his wife (62)"
    ("relation, n", re.compile(rf"\b{_RELATION}(?:,\s|\s\()(?P<age>\d{{1,3}})(?:,|\))(?!\d)", re.I), 0.6),
    # "Age (years): 42", "age at visit: 42", "Age at admission 67"
    ("age at label", re.compile(rf"\bage\s*(?:\((?:years?|yrs?|y)\)|at\s+(?:the\s+time\s+of\s+)?(?:visit|admission|diagnosis|onset|death|presentation|enrol+ment|surgery|intake|registration|baseline|referral|discharge|exam|examination|interview|injury|incident))\s*[:=\-–]?\s*{_N}(?![\w.,%]\d|\s*(?:%|mg|kg|days?|weeks?|months?))", re.I), 0.8),
    # "42 male", "42, female", "female, 42," "M, 42": a bare number beside a sex word
    ("n + sex word", re.compile(rf"(?<![\w.,/:$€£-])(?P<age>\d{{1,3}})[ \t]+{_SEX_WORD}", re.I), 0.6),
    # "42, female" at the start of a line or after "patient": elsewhere "room 42, female ward" is a room
    ("n, sex word", re.compile(rf"(?<=(?:^|[\n(]|\b(?:patient|pt|client|customer|caller|member|aged?|is|was|a|an)\b[ \t:]*))(?P<age>\d{{1,3}}),[ \t]+{_SEX_WORD}", re.I), 0.6),
    ("sex word, n", re.compile(r"\b(?:male|female|man|woman|boy|girl|(?-i:M|F)),[ \t]?(?P<age>\d{1,3})\b(?![\d:/%-]|[.,]\d|\s*(?:%|kg|lbs?|cm|mm|ml|mg|years?\s+ago))", re.I), 0.55),
    # "(42F)", "(42 M)"
    ("(n sex)", re.compile(r"\((?P<age>\d{1,3})[ \t]?(?:M|F|m|f)\)"), 0.65),
    # "mid-forties", "in her fifties"
    ("decade word", re.compile(r"\b(?:in\s+(?:his|her|their|my)\s+(?:early\s+|mid[\s-]|late\s+)?|(?:early|mid|late)[\s-]+)(?P<age>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b", re.I), 0.6),
    # "Jane Doe (42)", "(age 42)", "(42 y)"
    ("name (n)", re.compile(r"(?:\p{Lu}\p{Ll}+[ \t]\((?P<age>\d{1,3})\)(?![ \t]*[\d(+]))|\((?:age[ \t]?|aged[ \t]?)?(?=\d{1,3}[ \t]?(?:y|yrs?|years?)?\))(?P<age>\d{1,3})(?:[ \t]?(?:y|yrs?|years?))?\)(?![ \t]*[\d(+])"), 0.55),
    # "her 80th birthday", "my son's 5th birthday"
    ("nth birthday", re.compile(r"(?<![\w.,])(?P<age>\d{1,3})(?:st|nd|rd|th)[ \t]+birthday\b", re.I), 0.7),
    # the same in the other languages PrivDesk's users write: "42 Jahre alt", "âgé de 42 ans", "tiene 42 años"
    ("n in other languages", re.compile(
        rf"(?:\b{_N}[ \t]+(?:Jahre?[ \t]+alt|jaar[ \t]+oud|år[ \t]+gammel|år[ \t]+gammal)\b"
        rf"|\b(?:âgée?[ \t]+de|j['’]ai|il[ \t]+a|elle[ \t]+a)[ \t]+{_N}[ \t]+ans\b"
        rf"|\b(?:tiene|tengo|edad[ \t]+de)[ \t]+{_N}[ \t]+años\b"
        rf"|\b(?:ha|età[ \t]+di|di)[ \t]+{_N}[ \t]+anni\b"
        rf"|\b(?:tem|tenho|idade[ \t]+de)[ \t]+{_N}[ \t]+anos\b)", re.I), 0.75),
    # clinical shorthand "M/42", "42/F"
    ("sex/n", re.compile(r"(?<![\w/])(?:[MF]/(?P<age>\d{1,3})|(?P<age>\d{1,3})/[MF])(?![\w/])"), 0.6),
    # in her 80s, in his mid-40s, late 30s
    ("decade", re.compile(r"\b(?:in\s+(?:his|her|their)\s+(?:early|mid|late)?[\s-]*|(?:early|mid|late)[\s-]+)(?P<age>(?:[1-9]0)['’]?s)\b", re.I), 0.6),
]


class AgeRecognizer(TextRecognizer):
    ENTITIES = ("AGE",)

    def find(self, text: str) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        if not any(ch.isdigit() for ch in text) and _NUMBER_WORD.search(text) is None:
            return results
        taken: set[tuple[int, int]] = set()
        lowered = text.lower()
        for how, pattern, score in _PATTERNS:
            hint = _HINTS.get(how)
            if hint is not None and not any(word in lowered for word in hint):
                continue  # most texts hold none of the words these patterns need; skip the regex
            for match in pattern.finditer(text):
                start, end = match.span("age")
                if (start, end) in taken:
                    continue
                value = match.group("age")
                digits = re.match(r"\d+", value)
                if digits is not None and int(digits.group()) > 125:
                    continue
                if how == "n + sex letter" and not _looks_clinical(text, start):
                    continue
                taken.add((start, end))
                results.append(self.result("AGE", start, end, score, how))
        return results


# Words a pattern cannot match without: a plain substring test rules it out for most texts.
_SEX_WORDS = ("male", "man", "woman", "boy", "girl", "m,", "f,")
_HINTS: dict[str, tuple[str, ...]] = {
    "n + sex word": _SEX_WORDS, "n, sex word": _SEX_WORDS, "sex word, n": _SEX_WORDS,
    "nth birthday": ("birthday",),
    "turned n": ("turn",),
    "when n": ("was", "were", "turned", "reached", "hit"),
    "at n, person": ("at ",),
    "event at n": (" at ",),
    "n in other languages": ("jahr", "jaar", "år", "ans", "años", "anni", "anos"),
    "age at label": ("age",),
    "relation, n": ("son", "daughter", "wife", "husband", "partner", "spouse", "brother", "sister", "mother", "father",
                    "mom", "mum", "dad", "nephew", "niece", "uncle", "aunt", "cousin", "grand", "child", "kid", "baby",
                    "boy", "girl"),
}
_NUMBER_WORD = re.compile(rf"\b(?:{_WORD_NUMBER}|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b", re.I)
_CLINICAL_CUE_AFTER = re.compile(r"\d{1,3}\s?[MF][ \t,]+(?:pt|patient|presents?|presented|complain\w*|c/o|w/|with|who|hx|s/p|admitted|here)\b", re.I)
_CLINICAL_CUE = re.compile(r"\b(?:pt|patient|presents?|presented|complain|hx|history|admitted|seen|c/o|w/|with|a|an|is|was)\b", re.I)


def _looks_clinical(text: str, start: int) -> bool:
    """"42M" is an age only in clinical prose ("a 42M presents with"), not in "42M dollars" or sizes."""
    return (_CLINICAL_CUE.search(text, max(0, start - 25), start) is not None
            or _CLINICAL_CUE_AFTER.match(text, start) is not None)
