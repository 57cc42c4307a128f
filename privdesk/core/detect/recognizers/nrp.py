"""Nationalities, religious and political groups (NRP) from a word list.

spaCy's small model knows the common demonyms but tags many religions and less common nationalities
as PERSON or LOCATION ("Lutheran", "Sikh", "Sri Lankan"). The list is closed and small enough to
write down; matches are case-sensitive (the words are proper adjectives) and whole words only.
"""

from __future__ import annotations

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

# Single words of the list, lower-cased: other recognizers use it to keep "Roman Catholic" or "French" out of names.
NRP_WORDS: frozenset[str] = frozenset(w.lower() for w in _RELIGIONS + _NATIONALITIES)

_ALL = sorted(set(_RELIGIONS) | set(_NATIONALITIES) | set(_MULTI), key=len, reverse=True)
_PATTERN = re.compile(r"(?<![\w\-])(?:" + "|".join(re.escape(w).replace(r"\ ", r"[ \t]+") for w in _ALL) + r")(?![\w\-])")
# Words that are also ordinary adjectives or names in other senses score lower.
_AMBIGUOUS = {"Green", "Liberal", "Conservative", "Orthodox", "Evangelical", "Labour", "English", "Indian", "Roma",
              "Turkish", "Georgian", "Jordan", "Chinese", "French", "Dutch", "Swiss", "Thai", "Arabic", "Persian",
              "Creole", "Cajun", "Democrat", "Republican", "Socialist", "Communist", "Asian", "African", "Pagan",
              "Polish", "Christian", "Catholic", "Protestant"}


class NrpRecognizer(TextRecognizer):
    ENTITIES = ("NRP",)

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        for match in _PATTERN.finditer(text):
            word = match.group()
            score = 0.45 if word in _AMBIGUOUS else 0.85
            results.append(self.result("NRP", match.start(), match.end(), score, "word list"))
        return results
