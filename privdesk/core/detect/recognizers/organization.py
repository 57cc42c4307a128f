"""Organisations named by their legal form or their kind: "Rudolph GbR", "Acme Widgets Ltd.",
"Leicester Children's Hospital", "Ingram, Zimmerman and Dixon" (a partnership of surnames).

spaCy's small model labels many company names PERSON or LOCATION, and cuts names at an apostrophe.
The words that make a name an organisation are a closed set: legal forms (Inc, GmbH, S.A., ...),
institution nouns (Hospital, Clinic, Bank, University, ...) and the "A, B and C" firm pattern.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.lists import EDGE_WORDS
from privdesk.core.detect.recognizers.base import TextRecognizer

_LEGAL_FORMS = (
    r"Inc\.?|Incorporated|LLC|L\.L\.C\.|Ltd\.?|Limited|Corp\.?|Corporation|Co\.|Company|PLC|plc|LLP|L\.P\.|LP|"
    r"GmbH(?:[ \t]&[ \t]Co\.?[ \t]KG)?|AG|KG|OHG|GbR|e\.V\.|mbH|UG|SE|"
    r"S\.A\.S\.?|SAS|SARL|S\.A\.R\.L\.|S\.A\.(?:[ \t]?de[ \t]C\.V\.)?|SA|S\.L\.U?\.?|SL|S\.p\.A\.|SpA|SPA|S\.r\.l\.|Srl|SRL|S\.n\.c\.|"
    r"e[ \t]figli|e[ \t]C\.|y[ \t]Asociados|&[ \t]Asociados|S\.A\.D\.?|Ltda\.?|EIRELI|EI|ME|"
    r"B\.V\.|BV|N\.V\.|NV|AB|ASA|AS|A/S|ApS|Oy|Oyj|Sp\.[ \t]z[ \t]o\.o\.|S\.C\.|Kft\.?|Zrt\.?|s\.r\.o\.|a\.s\.|"
    r"Pty\.?[ \t]Ltd\.?|Pvt\.?[ \t]Ltd\.?|Private[ \t]Limited|K\.K\.|Bhd|Sdn[ \t]Bhd|"
    r"&[ \t]Co\.?|and[ \t]Sons|&[ \t]Sons|Group|Holdings?|Partners|Associates|Brothers|Bros\.?"
)
_INSTITUTIONS = (
    r"Hospital|Hospitals|Clinic|Clinics|Medical[ \t]Cent(?:er|re)|Health[ \t]Cent(?:er|re)|Health[ \t]System|Healthcare|"
    r"Infirmary|Hospice|Surgery|Practice|Pharmacy|Pharmacie|Apotheke|Farmacia|Farmácia|Laboratory|Laboratories|Labs|"
    r"Orthopedics|Orthopaedics|Pediatrics|Paediatrics|Cardiology|Dermatology|Oncology|Radiology|Dental|Dentistry|"
    r"Bank|Bancorp|Credit[ \t]Union|Savings|Trust|Insurance|Assurance|Capital|Financial|Investments|"
    r"University|College|School|Academy|Institute|Institut|Foundation|Society|Association|Council|Ministry|"
    r"Department|Agency|Authority|Church|Cathedral|Mosque|Synagogue|Temple|"
    r"Hotel|Restaurant|Café|Cafe|Bakery|Supermarket|Motors|Airlines|Airways|Logistics|Solutions|Systems|"
    r"Technologies|Technology|Software|Consulting|Services|Industries|Enterprises|Ventures|Studios|Media|"
    r"Telecom|Communications|Pharmaceuticals|Therapeutics|Biotech|Energy|Electric|Utilities|Construction|"
    r"Realty|Properties|Law[ \t]Firm|Lawyers|Solicitors|Attorneys|Accountants|Krankenhaus|Klinik|Klinikum|"
    r"Praxis|Hôpital|Hopital|Clinique|Ospedale|Clinica|Clínica|Hospital[ \t]General|Universität|Université|Università"
)
_CAP = r"\p{Lu}[\p{L}'’\-]*\.?"
_NAME_WORDS = rf"(?:{_CAP}|&|of|for|and|the|de|la|del|du|des|di|e|y|für|St\.|Saint)"
# One to five capitalised words (connectives allowed inside) before a legal form or institution noun.
_ORG_BEFORE = re.compile(
    rf"(?<![\w\-])(?P<org>{_CAP}(?:[ \t,]+{_NAME_WORDS}){{0,5}}?,?[ \t]+(?:{_LEGAL_FORMS})(?![\w&]))"
)
_INSTITUTION = re.compile(
    rf"(?<![\w\-])(?P<org>{_CAP}(?:[ \t]+{_NAME_WORDS}){{0,4}}?[ \t]+(?:{_INSTITUTIONS})(?![\w])(?:[ \t]+(?:of|de|di|für)[ \t]+{_CAP}(?:[ \t]+{_CAP})?)?)"
)
# Institution noun first: "Hospital Universitario La Paz", "University of Leeds", "Bank of Ireland".
_INSTITUTION_FIRST = re.compile(
    rf"(?<![\w\-])(?P<org>(?:The[ \t]+)?(?:University|Bank|College|Institute|Hospital|Clinic|Church|Ministry|Department|Universidad|Università|Université|Klinikum|Hôpital|Ospedale|Banco|Banca|Banque)"
    rf"[ \t]+(?:of|de|di|du|des|del|della|für|der)?[ \t]*{_CAP}(?:[ \t]+{_CAP}){{0,3}})"
)
# "Ingram, Zimmerman and Dixon", "Mills, Griffin & Nguyen": a firm named after its partners.
_PARTNERS = re.compile(rf"(?<![\w\-])(?P<org>\p{{Lu}}\p{{Ll}}+(?:-\p{{Lu}}\p{{Ll}}+)?,[ \t]\p{{Lu}}\p{{Ll}}+(?:-\p{{Lu}}\p{{Ll}}+)?,?[ \t](?:and|&|e|y|und|et)[ \t]\p{{Lu}}\p{{Ll}}+(?:-\p{{Lu}}\p{{Ll}}+)?)(?![\w])")

_PATTERNS = ((_ORG_BEFORE, 0.75, "legal form"), (_INSTITUTION, 0.7, "institution"),
             (_INSTITUTION_FIRST, 0.7, "institution first"), (_PARTNERS, 0.6, "partners"))
_STOP_FIRST = EDGE_WORDS | {"my", "our", "your", "his", "her", "their", "this", "that", "at", "in", "on"}


class OrganizationRecognizer(TextRecognizer):
    ENTITIES = ("ORGANIZATION",)

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        for pattern, score, how in _PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span("org")
                # Leading sentence words are not part of the name ("Paid Acme Ltd" -> "Acme Ltd").
                while True:
                    first = re.match(r"\S+[ \t]+", text[start:end])
                    if not first or first.group().strip(" \t,").lower().strip(".") not in _STOP_FIRST:
                        break
                    start += first.end()
                if end - start < 4 or not re.search(r"\p{Lu}", text[start:end]):
                    continue
                results.append(self.result("ORGANIZATION", start, end, score, how))
        return results
