"""Personal names announced by the words around them: titles, greetings, sign-offs and form labels.

spaCy's small model misses names it has not seen, especially foreign ones, all-caps ones and names
in short chat lines. A name right after "Dr.", "Mrs.", "Dear", "Hi", "Regards,\\n" or "Patient name:"
is a name whatever its spelling. The title itself is not part of the span.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.lists import NEVER_ENTITY_WORDS, TITLES
from privdesk.core.detect.recognizers.base import TextRecognizer

_NAME_TOKEN = r"\p{Lu}[\p{L}'’]*(?:-\p{Lu}[\p{L}'’]*)?"
_PARTICLE = r"(?:van|von|der|den|de|del|della|da|di|du|le|la|bin|ibn|al|el|ter|ten|dos|das|St\.?)"
_NAME = rf"(?:{_NAME_TOKEN}(?:[ \t]+\p{{Lu}}\.)?(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_NAME_TOKEN}){{0,2}})"
_TITLE = "|".join(sorted({re.escape(t) for t in TITLES}, key=len, reverse=True))

_PATTERNS: list[tuple[str, re.Pattern, float]] = [
    ("title", re.compile(rf"(?<![\w])(?:{_TITLE})\.?[ \t]+(?P<name>{_NAME})"), 0.7),
    ("greeting", re.compile(rf"(?<![\w])(?i:Dear|Hi|Hello|Hey|Hiya|Morning|Good[ \t]+(?:morning|afternoon|evening)|Thanks|Thank[ \t]+you|Bonjour|Hallo|Hola|Ciao)[ \t,]+(?P<name>{_NAME})(?=[ \t]*[,!:\n.]|$)"), 0.55),
    ("sign-off", re.compile(rf"(?i:Regards|Sincerely|Best|Cheers|Thanks|Thank[ \t]+you|Best[ \t]+wishes|Kind[ \t]+regards|Warm[ \t]+regards|Yours(?:[ \t]+(?:truly|sincerely|faithfully))?|Mit[ \t]+freundlichen[ \t]+Grüßen|Cordialement)[ \t]*[,!.]?[ \t]*\r?\n[ \t]*(?:-+[ \t]*)?(?P<name>{_NAME})[ \t]*(?=$|\r?\n|,)"), 0.6),
    ("form label", re.compile(
        rf"(?<![\w])(?i:(?:patient|full|customer|client|contact|member|cardholder|account[ \t]+holder|employee|caller|user|guarantor|guardian|subscriber|insured|applicant|beneficiary|tenant|landlord)(?:'s)?[ \t]+name|name|patient|pt|customer|client|cardholder|account[ \t]+holder|attn|attention|signed|signature|physician|provider|doctor|nurse|attending|referring[ \t]+(?:physician|doctor)|emergency[ \t]+contact|next[ \t]+of[ \t]+kin|guardian|beneficiary|employee|agent|rep|representative|from|to|cc|author|reported[ \t]+by|seen[ \t]+by|assigned[ \t]+to)"
        rf"[ \t]*[:=\-][ \t]*(?P<name>{_NAME})(?=[ \t]*(?:$|\r?\n|[,;|(]|[ \t]{{2,}}|[ \t]+(?:\(|DOB|MRN|SSN|age|Age|born|\d)))",
    ), 0.6),
    ("surname, given", re.compile(rf"(?<![\w])(?i:name|patient|pt)[ \t]*:[ \t]*(?P<name>\p{{Lu}}{{2,}}(?:-\p{{Lu}}{{2,}})?,[ \t]*{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN})?)"), 0.65),
]
_MONTHS_DAYS = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday team all everyone there sir madam".split()
)


class PersonCueRecognizer(TextRecognizer):
    ENTITIES = ("PERSON",)

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        for how, pattern, score in _PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span("name")
                name = match.group("name")
                words = [w.strip(".,'’").lower() for w in name.split()]
                # Drop trailing words that are labels or filler ("John Smith DOB" -> "John Smith").
                while words and (words[-1] in NEVER_ENTITY_WORDS or words[-1] in _MONTHS_DAYS):
                    last = name.rstrip().rsplit(None, 1)
                    if len(last) < 2:
                        words = []
                        break
                    name = last[0]
                    words.pop()
                if not words or words[0] in NEVER_ENTITY_WORDS or words[0] in _MONTHS_DAYS:
                    continue
                name = re.sub(r"(?:'s|’s)$", "", name.rstrip())
                end = start + len(name)
                results.append(self.result("PERSON", start, end, score, how))
        return results
