"""Towns, regions and countries found through place lists (see gazetteers/places.py) and locative phrases.

spaCy's small model calls many towns organisations ("Burlington", "Umeå") or persons ("Málaga",
"Lyon") and misses small ones altogether. This recognizer marks:

  a listed place                       "Düren", "Kraków", "Rio de Janeiro", "New South Wales", "Kenya"
  an ambiguous listed place after a    "moved to Reading", "lives in Florence", "from Jackson, MS"
  locative cue or before a region
  an unlisted town after a locative    "from Hughfort", "lives near Lake Jennifer", "in Port Douglastown"
  cue, when it looks like a town name
  (an English place-name ending or a
  New/Lake/Port/Fort... prefix)

A listed place that is only part of a longer capitalised name is left alone: "Jack London",
"Washington Post", "Lincoln Memorial", "Victoria Station".
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.gazetteers import Token, name_lists, place_lists, word_tokens
from privdesk.core.detect.gazetteers.common_words import is_common_word
from privdesk.core.detect.lists import NEVER_ENTITY_WORDS
from privdesk.core.detect.recognizers.base import TextRecognizer
from privdesk.core.detect.recognizers.nrp import NRP_WORDS
from privdesk.core.detect.recognizers.organization import ORGANIZATION_WORDS

# Words right before a place that say it is one.
_LOCATIVE_CUE = re.compile(
    r"(?i:\b(?:in|from|near|to|at|of|around|outside|via|visiting|visited|toward|towards|into|across|across|"
    r"based|born|raised|living|lives|live|lived|moved|moving|relocated|relocating|travel(?:l)?ed|trip|flight|flew|"
    r"drove|resides?|resident|located|headquartered|city|town|village)\b)[ \t]*(?:in|to|from|of|at|near)?[ \t]*$"
)
# A place name that is then followed by its region or country: "Jackson, MS", "Florence, Italy".
_REGION_AFTER = re.compile(
    r",[ \t]*(?:[A-Z]{2}\b|\p{Lu}\p{Ll}+)"
)
_TOWN_ENDING = re.compile(
    r"(?:town|ton|land|ville|berg|burg|burgh|borough|bury|view|port|mouth|stad|furt|chester|cester|caster|fort|haven|"
    r"side|shire|field|ford|ham|wick|wich|minster|stead|stow|thorpe|pool|dale|ley|by|bridge|well|worth|combe|"
    r"dorf|hausen|heim|stadt|ingen|leben|rode|hagen|feld|bach|brück|brugge|dam|drecht|hoven|zee|køping|köping|"
    r"ville|court|mont|ac|polis|grad|sk)$"
)
_TOWN_PREFIXES = frozenset("new north south east west lake port fort mount mt st. st saint san santa sainte los las la "
                           "el le upper lower great little".split())
_PREFIX_PLACE_MIN = 3
# Phrases after which a capitalised word names a town: where someone lives, moved, was born or comes from.
_RESIDENCE_CUE = re.compile(
    r"(?i:\b(?:lives?|living|lived|reside[sd]?|residing|resident|native|moved(?:[ \t]+(?:here|there|back))?|moving|"
    r"relocat(?:ed|ing)|born|raised|grew[ \t]+up|based|hometown(?:[ \t]+is)?|(?:am|is|are|was|were|i['’]m|we['’]re|"
    r"come|comes|came|originally|hails?)(?:[ \t]+originally)?)[ \t]+(?:(?:here|there|back)[ \t]+)?(?:in|to|from|of|near|at)?)"
    r"[ \t]*$"
)
_NOT_PLACES = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december i i'm we you he she they it my our your his her their the a an this
that work home school apartment apt flat suite unit room floor building accounting finance sales marketing support
billing legal security engineering management admin customer service team office department""".split())
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|\n)$")


class PlaceNameRecognizer(TextRecognizer):
    ENTITIES = ("LOCATION",)

    def __init__(self) -> None:
        super().__init__()
        self.places = place_lists()
        self.names = name_lists()

    def find(self, text: str) -> list[RecognizerResult]:
        tokens = word_tokens(text)
        results: list[RecognizerResult] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if not (token.is_title or token.is_upper):
                found = self._lower_case_place(text, tokens, index)  # "based in montevideo", "from sweden"
                if found is not None:
                    last, score, how = found
                    results.append(self.result("LOCATION", token.start, tokens[last].end, score, how))
                    index = last + 1
                else:
                    index += 1
                continue
            if token.is_upper and len(token.text) > 3 and not token.is_title:
                # "flew to JÄCKVIK", "moved here from SEVRAN": a town in capitals after a locative cue
                found = (self._after_residence_cue(text, tokens, index)
                         or (self._after_residence_cue(text, tokens, index, cue=_LOCATIVE_CUE)))
            else:
                found = (self._listed_place(text, tokens, index) or self._unlisted_town(text, tokens, index)
                         or self._after_residence_cue(text, tokens, index))
            if found is None:
                index += 1
                continue
            last, score, how = found
            results.append(self.result("LOCATION", token.start, tokens[last].end, score, how))
            index = last + 1
        return results

    # -- listed places ---------------------------------------------------------------------------
    def _phrase(self, text: str, tokens: list[Token], index: int, limit: int = 6) -> list[str]:
        """Lower-cased words from `index` joined by single spaces or hyphens (one place name at most)."""
        words = [tokens[index].lower]
        j = index
        while j + 1 < len(tokens) and len(words) < limit and text[tokens[j].end:tokens[j + 1].start] in (" ", "-", ". "):
            j += 1
            words.append(tokens[j].lower)
        return words

    def _listed_place(self, text: str, tokens: list[Token], index: int) -> tuple[int, float, str] | None:
        place = self.places.longest_at(self._phrase(text, tokens, index))
        if place is None:
            return None
        last = index + len(place) - 1
        if len(place) == 1 and (place[0] in NRP_WORDS or place[0] in ORGANIZATION_WORDS):
            return None  # "Swiss", "Latina", "Banco": a nationality or a company word before it is a town
        # Each capitalised-looking word must be capitalised in the text ("new york" in prose is not enough).
        if any(not (t.is_title or t.is_upper) and t.lower not in _JOINERS for t in tokens[index:last + 1]):
            return None
        if self._inside_longer_name(text, tokens, index, last):
            return None
        cue = self._has_cue(text, tokens[index].start)
        region_after = _REGION_AFTER.match(text, tokens[last].end) is not None and self._region_follows(text, tokens, last)
        if place in self.places.countries and place not in self.places.ambiguous:
            return last, 0.75, "country"
        if place in self.places.ambiguous or (len(place) == 1 and len(place[0]) < 4):
            if cue or region_after:
                return last, 0.6, "ambiguous place + cue"
            return None
        if len(place) == 1 and self.names.is_first(place[0]) and not (cue or region_after):
            return None
        return last, 0.7 if (cue or region_after) else 0.6, "listed place"

    def _inside_longer_name(self, text: str, tokens: list[Token], first: int, last: int) -> bool:
        """"Jack London", "Washington Post", "Lake Jennifer" is a town but "Lincoln Memorial" is no place."""
        if last + 1 < len(tokens) and text[tokens[last].end:tokens[last + 1].start] in (" ", "-"):
            following = tokens[last + 1]
            if following.is_title and following.lower not in NEVER_ENTITY_WORDS:
                return True
        if first > 0 and text[tokens[first - 1].end:tokens[first].start] in (" ", "-"):
            previous = tokens[first - 1]
            if previous.is_title and previous.lower not in _TOWN_PREFIXES and not self._starts_sentence(text, previous):
                if not is_common_word(previous.lower) or self.names.is_first(previous.lower):
                    return True
        return False

    def _region_follows(self, text: str, tokens: list[Token], last: int) -> bool:
        if last + 1 >= len(tokens):
            return False
        following = tokens[last + 1]
        if following.is_upper and len(following.text) == 2:
            return True
        place = self.places.longest_at(self._phrase(text, tokens, last + 1))
        return place is not None and place in self.places.major

    @staticmethod
    def _starts_sentence(text: str, token: Token) -> bool:
        before = text[max(0, token.start - 3):token.start]
        return token.start == 0 or _SENTENCE_START.search(before) is not None

    @staticmethod
    def _has_cue(text: str, start: int) -> bool:
        return _LOCATIVE_CUE.search(text, max(0, start - 30), start) is not None

    # -- any town after "lives in", "moved here from", "born in" ---------------------------------------
    def _after_residence_cue(self, text: str, tokens: list[Token], index: int,
                             cue: re.Pattern | None = None) -> tuple[int, float, str] | None:
        """Where someone lives, comes from or was born is a place whatever its name: "lives in Toolamaa"."""
        token = tokens[index]
        if (cue or _RESIDENCE_CUE).search(text, max(0, token.start - 40), token.start) is None:
            return None
        last = index
        while True:
            word = tokens[last].lower
            if (word in NEVER_ENTITY_WORDS or word in ORGANIZATION_WORDS or word in NRP_WORDS or word in _NOT_PLACES
                    or (is_common_word(word) and not self.places.longest_at([word]))):
                break
            if last + 1 < len(tokens) and last - index < 2 and text[tokens[last].end:tokens[last + 1].start] in (" ", "-") \
                    and (tokens[last + 1].is_title or tokens[last + 1].is_upper):
                last += 1
                continue
            return last, 0.55, "town after residence cue"
        return (last - 1, 0.55, "town after residence cue") if last > index else None

    def _lower_case_place(self, text: str, tokens: list[Token], index: int) -> tuple[int, float, str] | None:
        """A country or major city written in lower case after a locative cue ("based in montevideo")."""
        token = tokens[index]
        if not token.text.islower() or token.lower not in self.places.by_first_word:
            return None  # the dictionary check first: this runs for every lower-case word
        place = self.places.longest_at(self._phrase(text, tokens, index, limit=3))
        if place is None or place not in self.places.major or place in self.places.ambiguous:
            return None
        if len(place) == 1 and (is_common_word(place[0]) or place[0] in NRP_WORDS or place[0] in _NOT_PLACES):
            return None
        if not self._has_cue(text, token.start):
            return None
        return index + len(place) - 1, 0.5, "lower-case place + cue"

    # -- unlisted towns --------------------------------------------------------------------------
    def _unlisted_town(self, text: str, tokens: list[Token], index: int) -> tuple[int, float, str] | None:
        """"from Hughfort", "near Lake Jennifer", "in Port Douglastown": a locative cue and a town-like name."""
        token = tokens[index]
        if not token.is_title or not self._has_cue(text, token.start):
            return None
        if token.lower in NEVER_ENTITY_WORDS or token.lower in ORGANIZATION_WORDS or token.lower in NRP_WORDS:
            return None
        words = self._phrase(text, tokens, index, limit=3)
        if token.lower in _TOWN_PREFIXES and len(words) >= 2:
            following = tokens[index + 1]
            if following.is_title and following.lower not in ORGANIZATION_WORDS and len(following.text) >= _PREFIX_PLACE_MIN:
                if index + 2 < len(tokens) and text[following.end:tokens[index + 2].start] == " " and tokens[index + 2].is_title:
                    return None  # "in New Hope Medical Center": more capitalised words follow
                return index + 1, 0.55, "town prefix + cue"
            return None
        if len(words) > 1 and tokens[index + 1].is_title:
            return None  # part of a longer name ("at Hughfort Logistics")
        lowered = token.lower
        if (_TOWN_ENDING.search(lowered) and len(lowered) >= 6 and not is_common_word(lowered)
                and not self.names.is_first(lowered) and lowered not in self.names.last):
            return index, 0.55, "town-like name + cue"
        return None


_JOINERS = frozenset("de da do dos das del della di du des la le los las el upon on am an der im sur en y e and of "
                     "the".split())
