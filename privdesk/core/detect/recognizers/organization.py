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
    r"Co\.[ \t]?Ltd\.?|Inc\.?|Incorporated|LLC|L\.L\.C\.|Ltd\.?|Limited|Corp\.?|Corporation|Co\.|Company|PLC|plc|LLP|L\.P\.|LP|"
    r"GmbH(?:[ \t]&[ \t]Co\.?[ \t]KG)?|AG|KG|OHG|GbR|e\.V\.|mbH|UG|SE|"
    r"S\.A\.S\.?|SAS|SARL|S\.A\.R\.L\.|S\.A\.(?:[ \t]?de[ \t]C\.V\.)?|SA|S\.L\.[UL]?\.?|SL|S\.p\.A\.|SpA|SPA|S\.r\.l\.|Srl|SRL|S\.n\.c\.|"
    r"e[ \t]figli|e[ \t]C\.|y[ \t]Asociados|&[ \t]Asociados|S\.A\.D\.?|Ltda\.?|EIRELI|EI|ME|"
    r"B\.V\.|BV|N\.V\.|NV|AB|ASA|AS|A/S|ApS|Oy|Oyj|Sp\.[ \t]z[ \t]o\.o\.|S\.C\.|Kft\.?|Zrt\.?|s\.r\.o\.|a\.s\.|"
    r"Pty\.?[ \t]Ltd\.?|Pvt\.?[ \t]Ltd\.?|Private[ \t]Limited|K\.K\.|Bhd|Sdn[ \t]Bhd|"
    r"&[ \t]Co\.?|and[ \t]Sons|&[ \t]Sons|Group|Holdings?|Partners|Associates|Brothers|Bros\.?|"
    r"Sp\.[ \t]?[kj]\.|S\.[ \t]?Com\.|S\.[ \t]?Coop\.|S/A|HB|KB|et[ \t]Fils|&[ \t]Fils|e[ \t]Filhos|Hnos\.?|"
    r"Mutual|Drugstore|Drugs|Chemists?"
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
    r"Praxis|Hôpital|Hopital|Clinique|Ospedale|Clinica|Clínica|Hospital[ \t]General|Universität|Université|Università|"
    r"Apotek|Apteka|Pharmacies"
)

# The words of both lists ("hospital", "gmbh", "pharmacy"): a name or place that runs into one of them is
# really an organisation's name.
ORGANIZATION_WORDS: frozenset[str] = frozenset(
    word.lower()
    for alternative in (_LEGAL_FORMS + "|" + _INSTITUTIONS).split("|")
    for word in re.sub(r"\\.|\[ \\t\]|\(\?:|[()?]", " ", alternative).split()
    if len(word) > 1 and word not in ("er", "re", "s", "and", "of")
)
_CAP = r"\p{Lu}[\p{L}'’\-]*\.?"
_NAME_WORDS = rf"(?:{_CAP}|&|of|for|and|the|de|la|del|du|des|di|e|y|für|upon|on|van|von|der|den|da|do|dos|das|St\.|Saint)"
# One to five capitalised words (connectives allowed inside) before a legal form or institution noun.
_ORG_BEFORE = re.compile(
    rf"(?<![\w\-])(?P<org>{_CAP}(?:[ \t,]+{_NAME_WORDS}){{0,5}}?,?[ \t]+(?:{_LEGAL_FORMS})(?:[ \t]+(?:{_LEGAL_FORMS})){{0,2}}(?![\w&]))"
)
_INSTITUTION = re.compile(
    rf"(?<![\w\-])(?P<org>{_CAP}(?:[ \t]+{_NAME_WORDS}){{0,4}}?[ \t]+(?:{_INSTITUTIONS})(?![\w])(?:[ \t]+(?:of|de|di|für)[ \t]+{_CAP}(?:[ \t]+{_CAP})?)?)"
)
# Institution noun first: "Hospital Universitario La Paz", "University of Leeds", "Bank of Ireland".
_INSTITUTION_FIRST = re.compile(
    rf"(?<![\w\-])(?P<org>(?:The[ \t]+)?(?:University|Bank|College|Institute|Hospital|Clinic|Church|Ministry|Department|Universidad|Università|Université|Klinikum|Hôpital|Ospedale|Banco|Banca|Banque|Pharmacie|Farmacia|Farmácia|Apotheke|Clinique|Clínica|Grupo|Gruppo|Groupe|Fundacja|Fundación|Fondazione|Stiftung|Stowarzyszenie|Compañía|Companhia|Société|Cabinet|Laboratoire|Laboratorios)"
    rf"[ \t]+(?:of|de|di|du|des|del|della|für|der)?[ \t]*{_CAP}(?:[ \t]+{_CAP}){{0,3}})"
)
# "Ingram, Zimmerman and Dixon", "Mills, Griffin & Nguyen": a firm named after its partners.
_PARTNERS = re.compile(rf"(?<![\w\-])(?P<org>\p{{Lu}}\p{{Ll}}+(?:-\p{{Lu}}\p{{Ll}}+)?,[ \t]\p{{Lu}}\p{{Ll}}+(?:-\p{{Lu}}\p{{Ll}}+)?,?[ \t](?:and|&|e|y|und|et)[ \t]\p{{Lu}}\p{{Ll}}+(?:-\p{{Lu}}\p{{Ll}}+)?)(?![\w])")

# Company names in capitals, as registers and statements print them: "NICHIHA CORPORATION", "OKUWA CO.LTD.".
_UPPER_LEGAL = (r"CORPORATION|CORP\.?|CO\.,?[ \t]?LTD\.?|CO\.|LTD\.?|LIMITED|INC\.?|INCORPORATED|LLC|PLC|GMBH|AG|"
                r"S\.A\.|SA|N\.V\.|NV|B\.V\.|BV|AB|OYJ|ASA|SPA|S\.P\.A\.|SRL|HOLDINGS?|GROUP|K\.K\.|BHD|PTY[ \t]LTD\.?")
_UPPER_ORG = re.compile(
    rf"(?<![\w\-])(?P<org>[A-Z][A-Z0-9&'’\-]+(?:[ \t]+(?:[A-Z][A-Z0-9&'’\-]*|&|OF|AND|THE)){{0,5}},?[ \t]+(?:{_UPPER_LEGAL})"
    rf"(?:[ \t]+(?:{_UPPER_LEGAL})){{0,2}})(?![\w&])"
)

_PATTERNS = ((_ORG_BEFORE, 0.75, "legal form"), (_UPPER_ORG, 0.7, "legal form in capitals"), (_INSTITUTION, 0.7, "institution"),
             (_INSTITUTION_FIRST, 0.7, "institution first"), (_PARTNERS, 0.6, "partners"))
# A full stop after a word of two or more letters (not an abbreviation such as "St."), then a capital: a
# sentence ends inside the match ("... 40 mg IV. Cardiology consulted").
_SENTENCE_BREAK = re.compile(
    r"(?<!\b(?:St|Mt|Ft|Dr|Co|Bros|Jr|Sr|Inc|Ltd|Corp|Hon|Rev|Gen|Col|Capt|Prof|Mr|Mrs|Ms))(?<=\p{L}{2})\.[ \t]+\p{Lu}|\n"
)
# Memo and sentence openers that are not part of the name after them ("Wages Moreau et Fils").
_MEMO_WORDS = frozenset("""wages salary payroll subscription rent fee fees bill membership donation purchase premium
reimbursement card debit credit standing direct monthly annual weekly online wire transfer payment paid pay ach sepa
dividend refund invoice to from""".split())
_STOP_FIRST = EDGE_WORDS | _MEMO_WORDS | {"my", "our", "your", "his", "her", "their", "this", "that", "at", "in", "on"}


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
                if how == "institution" and not re.search(r"[ \t]", text[start:end]):
                    continue  # "Our Health": only the institution noun is left once the sentence word goes
                if _SENTENCE_BREAK.search(text, start, end):
                    continue  # "Bobby Gilbert. Insurance: ...": the institution word starts the next sentence
                results.append(self.result("ORGANIZATION", start, end, score, how))
        return results
