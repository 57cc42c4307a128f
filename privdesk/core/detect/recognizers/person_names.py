"""Personal names found through lists of given names and surnames (see gazetteers/names.py).

spaCy's small model misses names it has not seen and often calls a two-word name an organisation
("Helena Vrancken") or a place ("Samantha Rodriguez"). A run of capitalised words that starts with a
known given name is a name whatever spaCy thinks; the rules keep the common ambiguities out:

  "Helena Vrancken", "Ana Júlia Pereira", "John A. Smith", "Amira van Velzen"   given name + capitalised words
  "Will Smith", "May Chen"              an ambiguous given name ("Will", "May") needs a known surname after it
  "Helena" alone                        a given name alone, but never one that is an ordinary word or a place
  "Lee, Mark", "van Dillen, Koen"       surname, comma, given name (record and form style)
  "A. Phillips", "J.R. Smith"           initials before a known surname
  "robert perez", "hi brett,"           lower case: a known given name (+ known surnames) after a cue such
                                        as "my name is", "this is", "thanks,", "name:", "my son"; or a line
                                        holding only a known given name and surname (a signature)

A following word that names a street, an institution or a company ("Victoria Station", "Grace
Hospital", "Jordan Logistics") stops the name there, and so does an ordinary English word that is not
also a surname ("Sarah Called").
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.gazetteers import Token, name_lists, place_lists, word_tokens
from privdesk.core.detect.gazetteers.common_words import is_common_word
from privdesk.core.detect.gazetteers.names import PARTICLES
from privdesk.core.detect.lists import NEVER_ENTITY_WORDS
from privdesk.core.detect.recognizers.base import TextRecognizer
from privdesk.core.detect.recognizers.nrp import NRP_WORDS
from privdesk.core.detect.recognizers.organization import ORGANIZATION_WORDS

# Words that end a name when they follow it: they make the capitalised run a street, a building, a
# company or a heading instead.
STOP_AFTER_NAME = frozenset(w.lower() for w in """
Street St Road Rd Avenue Ave Lane Ln Drive Dr Boulevard Blvd Way Court Ct Place Pl Square Sq Terrace Close
Crescent Grove Gardens Park Parkway Highway Hwy Row Hill Walk Station Estate Estates Bridge Valley River Lake
Mount Beach Bay Island Islands Port Harbor Harbour Airport Center Centre Mall Plaza Tower Towers Building House
Hall Hospital Clinic Clinics Medical Health Healthcare Pharmacy Pharmacie Drugstore Dental Surgery Practice
University College School Academy Institute Foundation Society Association Council Church Chapel Cathedral
Bank Banking Credit Savings Trust Insurance Mutual Assurance Capital Financial Finance Investments Partners
Group Holdings Holding Inc Incorporated LLC Ltd Limited Corp Corporation Co Company PLC LLP GmbH AG SA SAS SARL
BV NV AB Oy SpA Srl KG OHG Sp Pty Industries Enterprises Solutions Systems Technologies Technology Software
Services Consulting Logistics Media Motors Airlines Airways Hotel Restaurant Cafe Café Bakery Market Store Stores
Shop Supermarket Pharmaceuticals Labs Laboratories Studio Studios Agency Department Ministry Office Court Police
County State City Town Village District Province Region Republic Kingdom Street Memorial General Regional
Community National International Global United Royal Saint Dollar Dollars Euro Euros Pound Pounds
January February March April May June July August September October November December
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
Apt Apartment Suite Ste Unit Flat Floor Room PO
""".split()) | {w for w in ORGANIZATION_WORDS if len(w) > 2 and w != "cent"} | NRP_WORDS

# Words before a lower-case name that say a name follows: introductions, greetings, sign-offs, form
# labels, titles and family or work relations ("my son kevin", "my manager priya").
_LOWER_CUE = re.compile(
    r"(?<![\w])(?i:my[ \t]+name[ \t]+is|name[ \t]+is|name[ \t]*[:=\-]|i[ \t]+am|i['’]m|im|this[ \t]+is|it['’]s|its|here[ \t]+is|"
    r"call[ \t]+me|regards|thanks|thank[ \t]+you|cheers|best|sincerely|from|customer|client|patient|signed|spoke[ \t]+"
    r"(?:to|with)|talked[ \t]+to|speak[ \t]+(?:to|with)|ask[ \t]+for|contact|hi|hello|hey|dear|--|-|"
    r"mr|mrs|ms|miss|mx|dr|prof|sir|madam|"
    r"(?:my|our|his|her|their)[ \t]+(?:late[ \t]+)?(?:son|daughter|wife|husband|partner|spouse|brother|sister|mother|"
    r"father|mom|mum|dad|nephew|niece|uncle|aunt|cousin|grandson|granddaughter|grandmother|grandfather|grandma|"
    r"grandpa|friend|colleague|coworker|manager|boss|neighbou?r|child|kid|baby|fianc[ée]e?|girlfriend|boyfriend|"
    r"roommate|flatmate|landlord|tenant|carer|caregiver|guardian|doctor|lawyer|accountant))"
    r"\.?[ \t]*[:,!.\-]?[ \t]*(?:\r?\n[ \t]*)?$"
)
# Nouns that take a letter after them ("Section A.", "Hepatitis B."): the letter is no initial.
_LETTER_LABELS = frozenset("""section part plan appendix annex table figure fig exhibit schedule item group type grade
class stage level phase vitamin hepatitis block wing building unit ward room floor gate row seat zone area option
category tier form box line column""".split())
_SENTENCE_END = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“(]\s*)$")
_MAX_NAME_WORDS = 5
# What may stand between the words of one name (plain sets: these tests run for every capitalised word).
_SPACE_GAPS = frozenset({" ", "\t", "  ", " \t", "\t "})
_INITIAL_GAPS = frozenset({".", ". ", ".\t"})
_WORD_GAPS = frozenset({" ", "\t", "-"})
_COMMA_GAPS = frozenset({",", ", ", ",\t"})
_MORE_AFTER_COMMA_NAME = re.compile(r",[ \t]*\p{Lu}|[ \t]+\p{Lu}\p{Ll}")
_AFTER_LOWER_NAME = re.compile(r"[ \t]*(?:[,.!?;:)]|$|\r?\n|and\b|wants\b|is\b|was\b|here\b)")
# Relations and roles that are also listed as given names somewhere ("Son", "Sister", "Baby").
_RELATION_WORDS = frozenset("""son daughter sister brother mother father mom dad baby nurse doctor judge dean major
guy man lady friend""".split())
_AFTER_SUBJECT_NAME = re.compile(
    r"[ \t]*(?:[,:;!?)]|\.(?:\s|$)|$|\r?\n|['’]s\b|[ \t]+(?:is|was|has|had|have|will|would|can|could|should|said|says|"
    r"called|calls|rang|phoned|emailed|wrote|writes|reports|reported|states|stated|denies|denied|presents|presented|"
    r"complains|complained|asked|asks|wants|wanted|needs|needed|lives|lived|works|worked|and|or|agreed|confirmed|"
    r"explained|mentioned|noted|arrived|left|came|went|returned|visited|attended|missed|paid|sent|received|"
    r"is|feels|felt|thinks|thought|knows|said|here|from|at|in|on|via|who|whose)\b)"
)


# A verb after a sentence-initial given name: past tense, third person, or a common irregular past.
_LOWER_WORD_AFTER = re.compile(
    r"[ \t]+(?:\p{Ll}{2,}(?:ed|es|s)|spent|went|made|took|gave|got|had|saw|told|met|left|began|wrote|ran|came|became|"
    r"bought|brought|thought|felt|kept|lost|paid|sent|sold|won|led|built|drove|flew|grew|knew|threw|wore|chose|broke|"
    r"spoke|held|sat|stood|taught|caught|fought|heard|found|meant|slept|dealt|lent|sang|rang|forgot|shot|fell|hung|"
    r"shook|swore|tore|did|does|can|will|would|could|should|may|might|must)\b")


# Surname endings of Slavic, Baltic, Caucasian, Balkan, Romanian, Turkish, Greek and Nordic names.
_SURNAME_ENDING = re.compile(
    r"(?:ov|ova|ev|eva|sky|ski|ska|skiy|skaya|cki|cka|dzki|wicz|owicz|ewicz|czyk|czak|enko|chuk|shyn|"
    r"ić|vić|vic|ović|ovic|ević|evic|shvili|dze|yan|escu|eanu|oğlu|oglu|poulos|opoulos|akis|idis|"
    r"sson|ssen|lainen|inen|ová|ský|ská|ák|ík|czuk|iuk|ovsky|evsky|ovich|evich)$"
)


def _without_possessive(text: str, start: int, end: int) -> int:
    if end - start > 3 and text[end - 2:end] in ("'s", "’s"):
        return end - 2
    return end


class PersonNameRecognizer(TextRecognizer):
    ENTITIES = ("PERSON",)

    def __init__(self) -> None:
        super().__init__()
        self.names = name_lists()
        self.places = place_lists()

    # -- helpers ---------------------------------------------------------------------------------
    def _is_place(self, word: str) -> bool:
        # Only the well-known places: Faker's long lists of small towns share too many words with names.
        return self.places.is_major_place(word)

    def _starts_name(self, token: Token) -> str | None:
        """'strong', 'weak' or None: how sure we are that this capitalised word is a given name."""
        lowered = token.lower
        if lowered.endswith(("'s", "’s")):
            lowered = lowered[:-2]  # "Katarina's address"
        if lowered in self.names.strong_first and not self._is_place(token.text):
            return "strong"
        if lowered in self.names.strong_first or lowered in self.names.weak_first:
            return "weak"
        return None

    def _is_place_start(self, tokens: list[Token], index: int) -> int:
        """How many words a well-known place of two or more words starting here spans ("San Diego"), else 0."""
        words = [t.lower for t in tokens[index:index + 4]]
        place = self.places.longest_at(words)
        if place is None or len(place) < 2 or place not in self.places.major:
            return 0
        return len(place)

    def _continues_name(self, token: Token, upper_run: bool) -> bool:
        if not (token.is_title or (upper_run and token.is_upper)):
            return False
        lowered = token.lower
        if lowered in STOP_AFTER_NAME or lowered in NEVER_ENTITY_WORDS:
            return False
        if is_common_word(lowered) and lowered not in self.names.last and lowered not in self.names.strong_first:
            return False
        return True

    # -- the scan --------------------------------------------------------------------------------
    def find(self, text: str) -> list[RecognizerResult]:
        tokens = word_tokens(text)
        results: list[RecognizerResult] = []
        covered_until = -1
        for index, token in enumerate(tokens):
            if token.start < covered_until:
                continue
            found = None
            if token.is_title or token.is_upper or (len(token.text) == 1 and token.text.isupper()):
                place_length = self._is_place_start(tokens, index)
                if place_length:
                    covered_until = tokens[index + place_length - 1].end
                    continue
                found = (self._surname_comma_given(text, tokens, index) or self._given_first(text, tokens, index)
                         or self._initials_surname(text, tokens, index) or self._surname_by_form(text, tokens, index))
            elif token.text.islower():
                found = self._lower_case_name(text, tokens, index)
            if found is not None:
                start, end, score, how = found
                end = _without_possessive(text, start, end)
                results.append(self.result("PERSON", start, end, score, how))
                covered_until = end
        return results

    def _run(self, text: str, tokens: list[Token], index: int, upper_run: bool) -> list[int]:
        """Indices of the words that continue a name starting at tokens[index] (not included)."""
        run: list[int] = []
        j = index
        while j + 1 < len(tokens) and len(run) < _MAX_NAME_WORDS - 1:
            current, following = tokens[j], tokens[j + 1]
            gap = text[current.end:following.start]
            initial = len(current.text) == 1 and current.text.isupper()
            if not (gap in _SPACE_GAPS or (initial and gap in _INITIAL_GAPS)):
                break
            if len(following.text) == 1 and following.text.isupper():
                run.append(j + 1)  # a middle initial: kept only if a name word follows it
            elif following.lower in PARTICLES and following.text.islower():
                run.append(j + 1)
            elif self._continues_name(following, upper_run):
                run.append(j + 1)
            else:
                break
            j += 1
        # A name does not end on an initial or a particle.
        while run and (len(tokens[run[-1]].text) == 1 or tokens[run[-1]].lower in PARTICLES):
            run.pop()
        return run

    def _given_first(self, text: str, tokens: list[Token], index: int) -> tuple[int, int, float, str] | None:
        token = tokens[index]
        strength = self._starts_name(token)
        if strength is None or len(token.text) < 2 or token.lower in STOP_AFTER_NAME:
            return None
        run = self._run(text, tokens, index, token.is_upper)
        if token.is_upper and not run:
            return None  # "ANNA" alone in capitals is as often a heading or an acronym
        if run:
            words = [tokens[i] for i in run if len(tokens[i].text) > 1 and tokens[i].lower not in PARTICLES]
            knows_surname = any(w.lower in self.names.last for w in words)
            if strength == "weak" and not any(self.names.is_strong_last(w.text) for w in words):
                return None
            if strength == "weak" and token.lower in _RELATION_WORDS:
                return None  # "Son Michael", "Sister Anna": the name starts at the next word
            if self._is_place_phrase(tokens, index, run[-1]):
                return None
            end = tokens[run[-1]].end
            score = 0.75 if knows_surname else 0.6
            return token.start, end, score, "given name + surname" if knows_surname else "given name + word"
        if strength == "weak" or self._is_place(token.text):
            return None
        previous = tokens[index - 1] if index > 0 else None
        if previous is not None and text[previous.end:token.start] == " " and previous.is_title \
                and not _SENTENCE_END.search(text, max(0, previous.start - 3), previous.start):
            return None  # "the Hope Diamond", "Grant Park": one word of another capitalised name
        # A given name on its own: fine mid-sentence ("I spoke with Siobhan"). At the start of a sentence
        # any word is capitalised ("Alpha team to ..."), so there it must be followed by what follows a
        # name: a verb of reporting or being, or punctuation.
        if _SENTENCE_END.search(text, max(0, token.start - 3), token.start):
            # Any lower-case word after a well-known given name is taken as its verb ("Paige spent a year"):
            # ordinary words that start sentences are not in the strong given-name list.
            if not _AFTER_SUBJECT_NAME.match(text, token.end) and not (
                    len(token.text) >= 4 and _LOWER_WORD_AFTER.match(text, token.end)):
                return None
            return token.start, token.end, 0.45, "given name"
        return token.start, token.end, 0.5, "given name"

    def _surname_by_form(self, text: str, tokens: list[Token], index: int) -> tuple[int, int, float, str] | None:
        """"Sepi Akhtakhanov", "Silvestar Cvitić", "Nusa Kowalczyk": an unlisted capitalised word, then (after an
        optional initial) a word whose ending marks a surname in its language (-ov, -ić, -ski, -wicz, -enko,
        -shvili, -yan, -escu, -oğlu, -poulos, ...). Lists cannot hold every name; these endings are rare elsewhere."""
        token = tokens[index]
        if not token.is_title or len(token.text) < 2 or token.lower in STOP_AFTER_NAME or is_common_word(token.lower) \
                or token.lower in NEVER_ENTITY_WORDS or self.places.is_place(token.text):
            return None
        j = index + 1
        if j < len(tokens) and len(tokens[j].text) == 1 and tokens[j].text.isupper() \
                and text[token.end:tokens[j].start] in _SPACE_GAPS:
            j += 1  # a middle initial
        if j >= len(tokens):
            return None
        surname = tokens[j]
        gap = text[tokens[j - 1].end:surname.start]
        if not (gap in _SPACE_GAPS or gap in _INITIAL_GAPS) or not surname.is_title or len(surname.text) < 5:
            return None
        if not _SURNAME_ENDING.search(surname.lower) or is_common_word(surname.lower) or self.places.is_place(surname.text):
            return None
        return token.start, surname.end, 0.55, "given name + surname by its ending"

    def _is_place_phrase(self, tokens: list[Token], first: int, last: int) -> bool:
        words = [t.lower for t in tokens[first:last + 1]]
        place = self.places.longest_at(words)
        return place is not None and len(place) >= 2

    def _surname_comma_given(self, text: str, tokens: list[Token], index: int) -> tuple[int, int, float, str] | None:
        """"Lee, Mark", "Nascimento Castro, Maria Sophia", "van Dillen, Koen"."""
        token = tokens[index]
        if (not token.is_title and not token.is_upper) or token.lower in STOP_AFTER_NAME or token.lower in NEVER_ENTITY_WORDS:
            return None
        j = index
        while j + 1 < len(tokens) and j - index < 2 and text[tokens[j].end:tokens[j + 1].start] in _WORD_GAPS \
                and self._continues_name(tokens[j + 1], token.is_upper):
            j += 1
        if j + 1 >= len(tokens) or text[tokens[j].end:tokens[j + 1].start] not in _COMMA_GAPS:
            return None
        surname = tokens[j]
        given = tokens[j + 1]
        if not self.names.is_last(surname.text) or self._is_place(given.text):
            return None  # "Paris, France" is a place, whatever names the two words could be
        if not (given.lower in self.names.strong_first
                or (given.lower in self.names.weak_first and self.names.is_strong_last(surname.text))):
            return None
        if not (given.is_title or (token.is_upper and given.is_upper)):
            return None
        start = token.start
        # "van Dillen, Koen": a lower-case particle right before the surname belongs to it.
        if index > 0 and tokens[index - 1].lower in PARTICLES and text[tokens[index - 1].end:token.start] == " ":
            start = tokens[index - 1].start
        run = self._run(text, tokens, j + 1, token.is_upper)
        end = tokens[run[-1]].end if run else given.end
        # "Smith, John, and Mary" or "Paris, France, Europe": a list, not one name; "Moll, Webster
        # Orthopedics": the words after the comma name something else.
        if _MORE_AFTER_COMMA_NAME.match(text, end):
            return None
        if given.lower in STOP_AFTER_NAME:
            return None
        return start, end, 0.65, "surname, given name"

    def _initials_surname(self, text: str, tokens: list[Token], index: int) -> tuple[int, int, float, str] | None:
        """"A. Phillips", "J.R. Smith", "E. Nordqvist"."""
        token = tokens[index]
        if len(token.text) != 1 or not token.text.isupper():
            return None
        j = index
        while j + 1 < len(tokens) and len(tokens[j + 1].text) == 1 and tokens[j + 1].text.isupper() \
                and text[tokens[j].end:tokens[j + 1].start] in _INITIAL_GAPS:
            j += 1
        if j + 1 >= len(tokens) or text[tokens[j].end:tokens[j + 1].start] not in _INITIAL_GAPS:
            return None
        surname = tokens[j + 1]
        if not surname.is_title or surname.lower in STOP_AFTER_NAME or surname.lower in NEVER_ENTITY_WORDS:
            return None
        known = self.names.is_strong_last(surname.text)
        if not known and (is_common_word(surname.lower) or self.places.is_place(surname.text)):
            return None
        if index > 0 and text[tokens[index - 1].end:token.start] == ".":
            return None  # "U.S.A. Today": part of an abbreviation
        if index > 0 and text[tokens[index - 1].end:token.start] == " " and tokens[index - 1].lower in _LETTER_LABELS:
            return None  # "Section A. Patients", "Plan B. Smith": a label with a letter, not an initial
        return token.start, surname.end, 0.55 if known else 0.5, "initials + surname"

    def _lower_case_name(self, text: str, tokens: list[Token], index: int) -> tuple[int, int, float, str] | None:
        """"my name is robert perez", "hi brett,", "my son kevin douglas", a signature line "brandon clay"."""
        token = tokens[index]
        if token.lower not in self.names.strong_first:
            return None
        cue = _LOWER_CUE.search(text, max(0, token.start - 40), token.start) is not None
        end = token.end
        words = 1
        j = index
        while j + 1 < len(tokens) and words < 4:
            following = tokens[j + 1]
            gap = text[tokens[j].end:following.start]
            if not following.text.islower():
                break
            if len(following.text) == 1 and gap in (" ", "\t") and j + 2 < len(tokens) \
                    and text[following.end:tokens[j + 2].start] in (". ", " "):
                j += 1  # a middle initial ("charles j. rice"): kept only if a surname follows
                continue
            initial_before = len(tokens[j].text) == 1 and gap in (". ", " ")
            if not (gap in _WORD_GAPS or initial_before) or not self.names.is_strong_last(following.text):
                break
            end = following.end
            words += 1
            j += 1
        if words > 1 and (cue or self._whole_line(text, token.start, end)):
            return token.start, end, 0.6, "lower-case name"
        if words > 1:
            # A listed given name then a listed surname, neither an ordinary word: a name even without a cue
            # ("left it with a neighbour, stephanie armstrong").
            return token.start, end, 0.45, "lower-case given name + surname"
        if words == 1 and cue and _AFTER_LOWER_NAME.match(text, end):
            return token.start, end, 0.5, "lower-case given name after a cue"
        return None

    @staticmethod
    def _whole_line(text: str, start: int, end: int) -> bool:
        """A line holding nothing but these words: a signature or the name line of an address."""
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        return not text[line_start:start].strip(" \t>-") and not text[end:line_end].strip(" \t,")
