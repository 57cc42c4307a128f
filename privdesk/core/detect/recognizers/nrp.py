"""Nationalities, religious and political groups (NRP) from a word list.

spaCy's small model knows the common demonyms but tags many religions and less common nationalities
as PERSON or LOCATION ("Lutheran", "Sikh", "Sri Lankan"). The list is closed and small enough to
write down, with the plurals and the people nouns derived from it ("Armenians", "Nigeriens",
"Britons", "Spaniards", "Frenchmen"). Whole words only, and three ways of writing them:

  * capitalised, as proper adjectives are written: "Colombian", "Sikhs" (a word that is also an
    ordinary adjective or a language, "Green", "Polish", "English", scores lower);
  * lower-cased, as chat and tickets write them: "colombians", "a nigerian citizen"; a lower-case
    word that is also an everyday word ("polish", "green", "french", "turkey" is not even listed)
    counts only after a person says what they are: "i am thai", "we are proud greeks";
  * all capitals is left alone: headings and company names ("AMERICAN EXPRESS") are not matched.

A language is not a group of people: "studying English", "speaks French", "Thai is my first
language" are not flagged.
"""

from __future__ import annotations

import re as std_re

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer

_RELIGIONS = """Christian Christians Catholic Catholics Roman Catholic Protestant Protestants Lutheran Lutherans Baptist
Baptists Methodist Methodists Presbyterian Presbyterians Anglican Anglicans Episcopalian Episcopalians Evangelical
Evangelicals Pentecostal Pentecostals Mormon Mormons Latter-day Saint Jehovah's Witness Jehovah's Witnesses
Adventist Seventh-day Adventist Quaker Quakers Amish Mennonite Mennonites Orthodox Greek Orthodox Russian Orthodox
Coptic Muslim Muslims Moslem Sunni Shia Shiite Shi'ite Sufi Ahmadi Ahmadiyya Ismaili Jewish Jew Jews Hasidic
Orthodox Jewish Hindu Hindus Buddhist Buddhists Sikh Sikhs Jain Jains Zoroastrian Parsi Baha'i Bahá'í Taoist
Shinto Rastafarian Wiccan Pagan Unitarian Universalist Atheist Agnostic Scientologist Druze Yazidi Alawite""".split()
_MULTI = ["Roman Catholic", "Latter-day Saint", "Jehovah's Witness", "Jehovah's Witnesses", "Seventh-day Adventist",
          "Greek Orthodox", "Russian Orthodox", "Orthodox Jewish", "Sri Lankan", "New Zealander", "South African",
          "South Korean", "North Korean", "Puerto Rican", "Costa Rican", "Saudi Arabian", "Native American",
          "African American", "Pacific Islander", "Alaska Native", "First Nations", "Hispanic or Latino",
          "Latin American", "Middle Eastern", "Dominican", "Salvadoran", "Democrats", "Republicans"]
_NATIONALITIES = """Afghan Albanian Algerian American Andorran Angolan Argentine Argentinian Armenian Australian Austrian
Azerbaijani Bahamian Bahraini Bangladeshi Barbadian Belarusian Belgian Belizean Beninese Bhutanese Bolivian Bosnian
Botswanan Brazilian British Bruneian Bulgarian Burkinabe Burmese Burundian Cambodian Cameroonian Canadian Chadian
Chilean Chinese Colombian Congolese Croatian Cuban Cypriot Czech Danish Djiboutian Dutch Ecuadorian Egyptian
Emirati English Eritrean Estonian Ethiopian Fijian Filipino Finnish French Gabonese Gambian Georgian German Ghanaian
Greek Grenadian Guatemalan Guinean Guyanese Haitian Honduran Hungarian Icelandic Indian Indonesian Iranian Iraqi
Irish Israeli Italian Ivorian Jamaican Japanese Jordanian Kazakh Kenyan Korean Kosovar Kuwaiti Kyrgyz Lao Laotian
Latvian Lebanese Liberian Libyan Lithuanian Luxembourgish Macedonian Malagasy Malawian Malaysian Maldivian Malian
Maltese Mauritanian Mauritian Mexican Moldovan Monegasque Mongolian Montenegrin Moroccan Mozambican Namibian Nepalese
Nepali Nicaraguan Nigerian Nigerien Norwegian Omani Pakistani Palestinian Panamanian Paraguayan Persian Peruvian
Polish Portuguese Qatari Romanian Russian Rwandan Samoan Saudi Scottish Senegalese Serbian Singaporean Slovak Slovakian
Slovenian Somali Spanish Sudanese Surinamese Swazi Swedish Swiss Syrian Taiwanese Tajik Tanzanian Thai Togolese Tongan
Trinidadian Tunisian Turkish Turkmen Ugandan Ukrainian Uruguayan Uzbek Venezuelan Vietnamese Welsh Yemeni Zambian
Zimbabwean Hispanic Latino Latina Latinx Caucasian Asian African Arab Arabic Kurdish Kurd Kurds Roma Romani Berber
Tamil Punjabi Gujarati Bengali Sinhalese Pashtun Hmong Maori Māori Aboriginal Inuit Cherokee Navajo Basque Catalan
Flemish Walloon Bavarian Quebecois Québécois Creole Cajun Yoruba Igbo Hausa Zulu Xhosa Amhara Oromo Tigrayan
Democrat Republican Labour Tory Tories Conservative Liberal Socialist Communist Green Libertarian""".split()

# People nouns and plurals that do not follow from the adjective by adding "s".
_PEOPLE_NOUNS = """Briton Britons Brit Brits Scots Scotsman Scotsmen Scotswoman Scotswomen Danes Finns Poles Swedes Spaniard
Spaniards Turk Turks Englishman Englishmen Englishwoman Englishwomen Frenchman Frenchmen Frenchwoman Frenchwomen
Irishman Irishmen Irishwoman Irishwomen Dutchman Dutchmen Dutchwoman Dutchwomen Welshman Welshmen Welshwoman
Welshwomen Icelander Icelanders Luxembourger Luxembourgers Flemings Filipina Filipinas Czechs Laotians Arabs Swiss
Jews Sikhs Hindus Muslims Moslems Sunnis Shias Shiites Sufis Parsis Druze Yazidis Alawites Latinas Latinos
Conservatives Liberals Socialists Communists Libertarians Greens Dominicans Salvadorans Salvadorean
Salvadoreans Hispanics Agnostics""".split()
# Adjectives whose plural is not theirs + "s" ("Chinese", "British", "Swiss", "Icelandic", "Kyrgyz").
_NO_S_PLURAL = re.compile(r"(?:ese|sh|ch|ss|ic|y|z|x|ois|s|Orthodox|Amish|Shinto|Coptic|Hasidic|Kurdish|Romani|Inuit|"
                          r"Hmong|Malagasy|Labour|Tory|Lao|Roma|Arabic|Māori)$")


def _plurals(words: list[str]) -> list[str]:
    return [w + "s" for w in words if _NO_S_PLURAL.search(w) is None]


# Words of the religions list that name a group only inside a longer name ("Roman Catholic",
# "Jehovah's Witness", "Latter-day Saint"): alone, "Saint Louis" or "a witness" is no group.
_ONLY_IN_NAMES = {"Roman", "Latter-day", "Saint", "Jehovah's", "Witness", "Witnesses", "Seventh-day"}
_SINGLE = [w for w in _RELIGIONS + _NATIONALITIES + _PEOPLE_NOUNS + _plurals(_RELIGIONS + _NATIONALITIES)
           if w not in _ONLY_IN_NAMES]

# Single words of the list and their plurals, lower-cased: other recognizers use it to keep "Roman
# Catholic" or "French" out of names. (Nouns that are also given names, "Dane", "Finn", "Scot", are not listed.)
NRP_WORDS: frozenset[str] = frozenset(w.lower() for w in _SINGLE + _RELIGIONS)

# Looked up word by word (a regex alternation of every form, lower case included, costs forty times
# more on ordinary prose): single words by their lower case, names of several words by their first.
_SINGLE_BY_LOWER = {w.lower(): w for w in _SINGLE}
_MULTI_BY_FIRST: dict[str, list[tuple[re.Pattern, str]]] = {}
for _name in sorted(_MULTI, key=len, reverse=True):
    _MULTI_BY_FIRST.setdefault(_name.split()[0].lower(), []).append(
        (re.compile(r"[ \t]+".join(re.escape(part) for part in _name.split()) + r"(?![\w\-])", re.I), _name))
_WORD = std_re.compile(r"(?<![\w\-'’])[^\W\d_]+(?:['’\-][^\W\d_]+)*(?![\w\-])")  # the standard re is faster here

# Words that are also ordinary adjectives, nouns or given names score lower when capitalised.
_AMBIGUOUS = {"Green", "Greens", "Liberal", "Liberals", "Conservative", "Conservatives", "Orthodox", "Evangelical",
              "Evangelicals", "Labour", "English", "Indian", "Indians", "Roma", "Turkish", "Georgian", "Georgians",
              "Jordan", "Chinese", "French", "Dutch", "Swiss", "Thai", "Arabic", "Persian", "Persians", "Creole",
              "Cajun", "Democrat", "Republican", "Socialist", "Communist", "Asian", "African", "Pagan", "Pagans",
              "Polish", "Christian", "Catholic", "Protestant", "Poles", "Swedes", "Brit", "Turk", "Scots"}
# Lower-cased, these are everyday words first ("polish the floor", "a liberal dose", "green tea",
# "swiss cheese", "french fries"); they count only after a person says what they are.
_LOWER_AMBIGUOUS = {w.lower() for w in _AMBIGUOUS} | {
    "greek", "greeks", "danish", "welsh", "quaker", "quakers", "afghan", "afghans", "dominican", "turks"}

# A person saying what they are, right before the word: "I am", "we are proud", "she's a devout".
# ("they are" and "you are" are left out: "they are green", "you're green" speak of things and novices.)
_SELF_DESCRIPTION = re.compile(
    r"(?i:\b(?:i[ \t]+am|i['’]m|im|we[ \t]+are|we['’]re|he[ \t]+is|he['’]s|she[ \t]+is|she['’]s|"
    r"i[ \t]+was|we[ \t]+were|he[ \t]+was|she[ \t]+was|i[ \t]+became|i[ \t]+identify[ \t]+as)"
    r"(?:[ \t]+(?:a|an|also|both|all|now|not|originally|ethnically|proud|fellow|devout|practi[cs]ing|"
    r"non-practi[cs]ing|observant|born|born-again|native|half|lifelong|registered|staunch|committed))*[ \t]+)$"
)
# Words that are also languages, and the phrases that show the language is meant.
_LANGUAGES = frozenset("""english french spanish german italian portuguese chinese japanese korean arabic russian dutch
greek polish turkish swedish norwegian danish finnish hungarian czech persian thai vietnamese tamil punjabi gujarati
bengali catalan basque welsh irish creole romanian ukrainian bulgarian serbian croatian slovak slovenian albanian
armenian georgian icelandic lithuanian latvian estonian indonesian malay mongolian nepali nepalese sinhalese burmese
lao macedonian maltese flemish kurdish somali yoruba igbo hausa zulu xhosa pashtun filipino""".split())
_LANGUAGE_BEFORE = re.compile(
    r"(?i:\b(?:speaks?|spoke|spoken|speaking|study|studies|studying|studied|learn|learns|learning|learned|learnt|"
    r"teach|teaches|teaching|taught|fluent[ \t]+in|translated?[ \t]+(?:in)?to|translated[ \t]+from|"
    r"translation[ \t]+(?:in)?to|interpreter[ \t]+for|written[ \t]+in|in[ \t]+plain)[ \t]+)$"
)
_LANGUAGE_AFTER = re.compile(
    r"(?i:[ \t]+(?:language|tongue|speakers?|lessons?|class(?:es)?|course|teacher|tutor|translation|translator|"
    r"interpreter|subtitles|grammar|vocabulary|literature|keyboard|version|edition|proficiency|"
    r"is[ \t]+(?:my|his|her|their|our|your)[ \t]+(?:\w+[ \t]+)?(?:language|tongue))\b)"
)
_IN_LANGUAGE = re.compile(r"(?i:\b(?:in|into)[ \t]+)$")
_IN_LANGUAGE_END = re.compile(r"(?i:[ \t]*(?:[.,;:!?)]|$|(?:and|or|only|please|too|instead)\b))")

CAPITALISED_SCORE = 0.85
AMBIGUOUS_SCORE = 0.45
LOWER_SCORE = 0.6
SELF_DESCRIBED_SCORE = 0.85


class NrpRecognizer(TextRecognizer):
    ENTITIES = ("NRP",)

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        covered_until = 0
        for token in _WORD.finditer(text):
            if token.start() < covered_until:
                continue
            found = _lookup(text, token)
            if found is None:
                continue
            start, end, canonical = found
            covered_until = end
            scored = _score(text, start, end, text[start:end], canonical)
            if scored is not None:
                results.append(self.result("NRP", start, end, *scored))
        return results


def _lookup(text: str, token: std_re.Match) -> tuple[int, int, str] | None:
    """(start, end, listed form) of the list entry written at this token, as listed or in lower case."""
    lowered = token.group().lower()
    for pattern, name in _MULTI_BY_FIRST.get(lowered, ()):
        match = pattern.match(text, token.start())
        if match is not None and _cased_as_listed(match.group(), name):
            return token.start(), match.end(), name
    listed = _SINGLE_BY_LOWER.get(lowered)
    if listed is not None and _cased_as_listed(token.group(), listed):
        return token.start(), token.end(), listed
    return None


def _cased_as_listed(written: str, listed: str) -> bool:
    """As listed ("Sri Lankan") or all lower case ("sri lankan"); capitals alone are headings or company names."""
    return " ".join(written.split()) == listed or written == written.lower()


def _score(text: str, start: int, end: int, written: str, canonical: str) -> tuple[float, str] | None:
    key = " ".join(written.lower().split())
    if _SELF_DESCRIPTION.search(text, max(0, start - 60), start) is not None:
        return SELF_DESCRIBED_SCORE, "word list, said of a person"
    if key in _LANGUAGES and _means_language(text, start, end):
        return None
    if written[0].isupper():
        return (AMBIGUOUS_SCORE if canonical in _AMBIGUOUS else CAPITALISED_SCORE), "word list"
    if key in _LOWER_AMBIGUOUS:
        return None
    return LOWER_SCORE, "word list, lower case"


def _means_language(text: str, start: int, end: int) -> bool:
    """"speaks French", "English lessons", "Thai is my first language", "written in Greek."."""
    window_start = max(0, start - 40)
    if _LANGUAGE_BEFORE.search(text, window_start, start) is not None or _LANGUAGE_AFTER.match(text, end) is not None:
        return True
    return _IN_LANGUAGE.search(text, window_start, start) is not None and _IN_LANGUAGE_END.match(text, end) is not None
