"""Street addresses as one LOCATION span: street line, optional unit, city, region, postcode, country.

spaCy finds towns and countries but not "221B Baker Street\\nLondon NW1 6XE" as one place, and
masking half an address leaks the rest. This recognizer finds a street line in one of the
common national styles and then extends it, component by component, over what follows on the
same or the next line:

  number first (US, UK, CA, AU, IE, IN, FR): "1600 Amphitheatre Pkwy", "221B Baker Street", "12 rue de la Paix"
  name first (DE, AT, CH, NL, Nordics):      "Hauptstraße 5", "Karl-Marx-Allee 12a", "Keizersgracht 123"
  type first (ES, IT, PT, FR):               "Calle Mayor 5", "Via Roma 10", "Avenida Paulista, 1578"
  boxes:                                     "PO Box 1234", "Postfach 10 20 30"

Tails: "Apt 4B", "Mountain View, CA 94043", "London NW1 6XE", "10115 Berlin", "Toronto, ON M5H 2M9",
"Sydney NSW 2000", "Bengaluru 560001", "USA". A line "City, ST 12345" or "London SW1A 2AA" on its
own is also a LOCATION.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.gazetteers.places import place_words
from privdesk.core.detect.recognizers.base import TextRecognizer

# --- building blocks -------------------------------------------------------------------------------
_NAME_WORD = r"(?:\p{Lu}[\p{L}'’\-]*\.?|\d{1,3}(?:st|nd|rd|th)|(?:St|Mt|Ft)\.)"
_LOWER_NAME_WORD = r"(?:[\p{Ll}][\p{Ll}'’\-]+)"
_HOUSE_NUMBER = r"\d{1,6}(?:[A-Za-z](?![\w]))?(?:\s?[-–/]\s?\d{1,5}[A-Za-z]?)?"
_DIRECTION = r"(?:[NSEW]\.?|N\.?[EW]\.?|S\.?[EW]\.?|North|South|East|West|Northeast|Northwest|Southeast|Southwest)"

# Street-type words that are rarely anything else after "<number> <Name>".
_STRONG_SUFFIXES = (
    "Street St Avenue Ave Av Road Rd Boulevard Blvd Lane Ln Drive Dr Court Ct Place Pl Terrace Ter Terr Way "
    "Parkway Pkwy Highway Hwy Circle Cir Square Sq Trail Trl Close Crescent Cres Grove Gdns Gardens Mews Alley "
    "Aly Plaza Plz Crossing Xing Wharf Quay Embankment Parade Pde Esplanade Causeway Turnpike Expressway Expy "
    "Freeway Fwy Boulevard Bvd Rue Strasse Straße Marg Nagar Salai Lane Cl Cres Ct Hwy "
    # Indian locality words that end the street line: "Kale Zila", "Acharya Chowk", "Patla Ganj"
    "Chowk Ganj Zila Vihar Enclave Bagh Puram Mohalla Peth Wadi Gali"
).split()
# Words that also occur outside addresses ("Hyde Park", "Station"): a lower starting score.
_WEAK_SUFFIXES = (
    "Row Hill Walk Park Loop Path Green View Rise Vale Broadway Pike Route Rte Run Pass Point Ridge Heights Hts "
    "Meadow Meadows Bend Cove Creek Glen Harbor Harbour Hollow Junction Jct Landing Manor Mill Mills Orchard "
    "Pines Shore Shores Springs Summit Valley Village Vista Woods Yard End Drove Chase Wynd Brae Lodge Court "
    # the rest of the USPS street suffix list (Publication 28, appendix C1)
    "Branch Bridge Brook Brooks Burg Burgs Bypass Camp Canyon Cape Center Centers Circles Cliff Cliffs Club Common "
    "Commons Corner Corners Course Courts Coves Crest Crossroad Curve Dale Dam Divide Drives Extension Extensions "
    "Fall Falls Ferry Field Fields Flat Flats Ford Fords Forest Forge Forges Fork Forks Fort Garden Gateway Glens "
    "Greens Groves Harbors Haven Hills Inlet Island Islands Isle Junctions Key Keys Knoll Knolls Lake Lakes Land "
    "Light Lights Loaf Lock Locks Mall Manors Mission Motorway Mount Mountain Mountains Neck Oval Overpass Parks "
    "Parkways Pine Plain Plains Points Port Ports Prairie Radial Ramp Ranch Rapid Rapids Rest Ridges River Roads "
    "Shoal Shoals Skyway Spring Spur Spurs Squares Stravenue Stream Streets Throughway Trace Track Trafficway "
    "Trailer Tunnel Underpass Union Unions Valleys Viaduct Views Villages Ville Walks Wall Ways Well Wells Via "
    "Station Estate Estates Colony Layout Bazar Bazaar"
).split()


def _alternation(words: list[str]) -> str:
    return "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True))


_STRONG = _alternation(_STRONG_SUFFIXES)
# In lower-case text only the unmistakable street words (not "st", "dr", "way", "pl", "ct": words and abbreviations
# that follow a number in prose too).
_WEAK_LOWER = _alternation([w.lower() for w in _WEAK_SUFFIXES if len(w) > 3])
# A word of a street name in lower case: not a function word or a unit of measure ("5 blocks down the road").
_PLAIN_LOWER_WORD = (r"(?!(?:the|a|an|of|to|and|or|down|up|on|in|at|by|for|from|per|mg|ml|times|blocks?|miles?|km|"
                     r"minutes?|mins?|hours?|days?|weeks?|years?|more|less|other|new|old|this|that|my|your|our|his|her)\b)"
                     r"[\p{Ll}][\p{Ll}'’\-]+")
_STRONG_LOWER = _alternation([w.lower() for w in _STRONG_SUFFIXES if len(w) > 3 and w.lower() not in ("marg", "gali", "bagh")])
_WEAK = _alternation(_WEAK_SUFFIXES)

_FR_TYPES = (
    r"rue|avenue|av\.|boulevard|bd|blvd|place|pl\.|chemin|ch\.|allée|allee|impasse|imp\.|quai|cours|route|rte|"
    r"passage|square|sentier|voie|faubourg|fg|promenade|esplanade|résidence|residence|rond-point|parvis|"
    r"calle|c/|avenida|avda\.?|plaza|paseo|carrer|rua|travessa|via|viale|piazza|corso|largo|vicolo|strada"
)
_TYPE_FIRST = (
    r"Calle|C/|Avenida|Avda\.?|Av\.|Plaza|Paseo|Pasaje|Camino|Carretera|Ronda|Rambla|Glorieta|Alameda|Callejón|"
    r"Travesía|Urbanización|Cañada|Carrer|Passeig|"
    r"Rua|Travessa|Praça|Largo|Estrada|Rodovia|Conjunto|Quadra|Passarela|Vila|Viela|Vereda|Ladeira|Lote|Setor|"
    r"Residencial|Condomínio|Chácara|Loteamento|Esplanada|Fazenda|Sítio|Núcleo|Recanto|Jardim|Parque|Distrito|Trecho|"
    r"Via|Viale|Piazza|Piazzale|Corso|Vicolo|Strada|Borgo|Canale|Contrada|Rotonda|Incrocio|Lungomare|Salita|"
    r"Traversa|Vico|Località|Frazione|Galleria|Stretto|"
    r"Trevo|Morro|Favela|Estação|Vale|Pátio|Lagoa|Viaduto|Acceso|Cuesta|Bajada|Vía|Calzada|Prolongación|Privada|Cerrada|"
    r"Rue|Avenue|Boulevard|Chemin|Place|Allée|Impasse|Quai|"
    r"ul\.|ulica|al\.|aleja|os\.|osiedle|pl\.|plac"
)
_JOINERS = r"(?:de\s+la|de\s+los|de\s+las|de\s+l['’]|del|de|du|des|della|delle|dei|degli|di|da|do|dos|das|la|le|les|los|las|el|l['’]|d['’]|et|y|e|sur|aux|au|en)"

_DE_SUFFIX_ATTACHED = (
    r"straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|berg|gracht|laan|plein|"
    r"straat|steeg|kade|singel|dijk|dreef|pad|baan|hof|erf|wal|plantsoen|veld|vliet|"
    r"vej|gade|gatan|vägen|gata|veien|gaten|tie|katu|torget|torg|gränd|backen|stigen|"
    r"allén|leden|kajen|vägen|väg|plads|stræde|gasse"
)
_DE_SUFFIX_WORD = r"Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Chaussee|Markt|Steig"
_NOT_A_YEAR = r"(?!(?:1[89]|20)\d\d\b)"
_DE_HOUSE = rf"{_NOT_A_YEAR}\d{{1,4}}(?:\s?[a-zA-Z](?![\w]))?(?:\s?[-–/]\s?\d{{1,4}}[a-zA-Z]?)?"

_UNIT = (
    r"(?:(?i:appartamento|apartamento|apt|apartment|suite|ste|unit|flat|fl|floor|room|rm|bldg|building|block|blk|dept|office|"
    r"wohnung|whg|étage|etage|bâtiment|bat|escalier|piso|puerta|interno|int|piano|scala|studio|lot|space|"
    r"trailer|pier|hangar|slip|penthouse|ph|casa|bloco|apto|sala|andar|lokal|mieszkanie|m\.|h\.?[ \t]?no)\.?\s*(?:no\.?\s*)?#?\s*"
    r"(?:\d[\w\-]{0,5}|[A-Za-z]{1,2}-?\d[\w\-]{0,4}|[A-Z](?![\w]))"
    r"|#\s?\d{1,5}[A-Za-z]?|\d{1,2}(?:st|nd|rd|th)\s+(?i:floor|fl\.?))"
)

_US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP FM MH PW AA AE AP"
).split()
_US_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
    "Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
    "Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|"
    "North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|"
    "Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming"
)
_REGION_CODES = _alternation(
    _US_STATES + "ON QC BC AB MB SK NS NB NL PE YT NT NU NSW VIC QLD TAS ACT".split()
)
_REGION = rf"(?:(?:{_REGION_CODES})(?![\w])|{_US_STATE_NAMES})"

_US_ZIP = r"\d{5}(?:-\d{4})?"
_UK_POSTCODE = r"(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})"
_CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d"
_NL_POSTCODE = r"\d{4}\s?[A-Z]{2}"
_EU_POSTCODE = r"(?:[A-Z]{1,2}-)?\d{4,5}|\d{5}-\d{3}|\d{2}-\d{3}|\d{3}\s\d{2}"
_ANY_POSTCODE = rf"(?:{_UK_POSTCODE}|{_CA_POSTCODE}|{_US_ZIP}|\d{{5}}-\d{{3}}|\d{{4}}-\d{{3}}|\d{{4,6}}|\d{{3}}[ \t]\d{{2,3}})"

_CITY_TOKEN = r"(?:(?:St|Ste|Mt|Ft|Pt|Sta)\.|\p{Lu}[\p{L}'’\-]*)"
_CITY_WORD = rf"(?:{_CITY_TOKEN}|(?:de|da|do|dos|das|du|la|le|am|an|der|sur|en|upon|on|in|del|di|im|bei)(?=\s+\p{{Lu}}))"
_CITY = rf"(?:{_CITY_TOKEN}(?:[ \t]+{_CITY_WORD}){{0,3}})"
_COUNTRIES = (
    r"USA|U\.S\.A\.|U\.S\.|United\s+States(?:\s+of\s+America)?|UK|U\.K\.|United\s+Kingdom|Great\s+Britain|England|"
    r"Scotland|Wales|Northern\s+Ireland|Ireland|Germany|Deutschland|France|Canada|Australia|New\s+Zealand|India|"
    r"Netherlands|The\s+Netherlands|Nederland|Belgium|Belgique|Switzerland|Schweiz|Suisse|Austria|Österreich|"
    r"Spain|España|Italy|Italia|Portugal|Brazil|Brasil|Mexico|México|Sweden|Sverige|Norway|Norge|Denmark|Danmark|"
    r"Finland|Poland|Polska|Japan|China|Singapore|South\s+Africa|Nigeria|Kenya|Philippines|Israel|Ireland|Greece"
)

# A separator between address components: optional comma, and at most one line break.
# A quoted e-mail ("> ") keeps its marks at the start of each line.
_SEP = r"[ \t]*,?[ \t]*(?:\r?\n[ \t]*(?:>+[ \t]*)?,?[ \t]*)?"


STREET_PATTERNS: list[tuple[str, re.Pattern, float]] = [
    (
        "number+name+suffix",
        re.compile(
            rf"(?<![\w\-/.,])(?<!\d[.,])(?:{_HOUSE_NUMBER})(?:,?[ \t]+|[ \t]*,?\r?\n[ \t]*)(?:{_DIRECTION}[ \t]+)?"
            rf"(?:{_NAME_WORD}[ \t]+){{1,4}}?(?:{_STRONG})\b\.?(?:[ \t]+{_DIRECTION}\b\.?)?",
        ),
        0.6,
    ),
    (
        "number+name+suffix (lower case)",
        re.compile(
            rf"(?<![\w\-/.,])(?:{_HOUSE_NUMBER})[ \t]+{_PLAIN_LOWER_WORD}(?:[ \t]+{_PLAIN_LOWER_WORD}){{0,2}}?[ \t]+(?:{_STRONG_LOWER})\b\.?",
        ),
        0.5,
    ),
    (
        "number+name+weak suffix (lower case)",
        re.compile(
            rf"(?<![\w\-/.,])(?:{_HOUSE_NUMBER})[ \t]+{_PLAIN_LOWER_WORD}(?:[ \t]+{_PLAIN_LOWER_WORD}){{0,1}}?[ \t]+(?:{_WEAK_LOWER})\b",
        ),
        0.4,
    ),
    (
        "number+name+weak suffix",
        re.compile(
            rf"(?<![\w\-/.,])(?<!\d[.,])(?:{_HOUSE_NUMBER}),?[ \t]+(?:{_DIRECTION}[ \t]+)?(?:{_NAME_WORD}[ \t]+){{1,3}}?"
            rf"(?:{_WEAK})\b(?:[ \t]+{_DIRECTION}\b\.?)?",
        ),
        0.45,
    ),
    (
        "number+type+name",
        re.compile(
            rf"(?<![\w\-/.,])\d{{1,5}}(?:[ \t]?(?:bis|ter|quater|[A-Da-d])(?![\w]))?,?[ \t]+(?i:{_FR_TYPES})[ \t]+"
            rf"(?:(?i:{_JOINERS})[ \t]*)?{_NAME_WORD}(?:(?:[ \t\-]+(?i:{_JOINERS}))*[ \t\-]*{_NAME_WORD}){{0,4}}",
        ),
        0.6,
    ),
    (
        "number+type+name (lower case)",
        re.compile(
            rf"(?<![\w\-/.,])\d{{1,5}},?[ \t]+(?:{_FR_TYPES})[ \t]+(?:{_JOINERS}[ \t]+)?{_LOWER_NAME_WORD}"
            rf"(?:[ \t]+(?:{_JOINERS}[ \t]+)?{_LOWER_NAME_WORD}){{0,3}}(?=[ \t]*(?:$|\r?\n|,))",
            re.MULTILINE,
        ),
        0.5,
    ),
    (
        "type+name+number",
        re.compile(
            rf"(?<![\w])(?:{_TYPE_FIRST})[ \t]+(?:(?i:{_JOINERS})[ \t]*)?{_NAME_WORD}"
            rf"(?:(?:[ \t\-]+(?i:{_JOINERS}))*[ \t\-]*{_NAME_WORD}){{0,4}},?[ \t]*(?:(?:n[º°o]\.?|nr\.?|no\.?|#)[ \t]*)?"
            rf"{_NOT_A_YEAR}\d{{1,5}}(?:[ \t]?[A-Za-z](?![\w]))?(?:[ \t]?[-–/][ \t]?\d{{1,4}}[A-Za-z]?)?(?![\w])",
        ),
        0.6,
    ),
    (
        "name+suffix+number",
        re.compile(
            rf"(?<![\w\-])\p{{Lu}}[\p{{L}}\-]{{1,}}(?i:{_DE_SUFFIX_ATTACHED})[ \t]*{_DE_HOUSE}(?![\w])",
        ),
        0.6,
    ),
    (
        "name+suffix word+number",
        re.compile(
            rf"(?<![\w\-])(?:\p{{Lu}}[\p{{L}}\-]*[ \t]+){{1,2}}(?:{_DE_SUFFIX_WORD})[ \t]*{_DE_HOUSE}(?![\w])"
            rf"|(?<![\w])(?:Am|An[ \t]+der|An[ \t]+den|Auf[ \t]+dem|Auf[ \t]+der|Unter[ \t]+den|Im|In[ \t]+der|Zum|Zur|Hinter[ \t]+der)"
            rf"[ \t]+\p{{Lu}}[\p{{L}}\-]+(?:[ \t]+\p{{Lu}}[\p{{L}}\-]+)?[ \t]+{_DE_HOUSE}(?![\w])",
        ),
        0.55,
    ),
    (
        "unit+name+suffix",
        re.compile(
            rf"(?<![\w])(?:{_UNIT})[ \t]*(?:,[ \t]*|\r?\n[ \t]*)(?:{_NAME_WORD}[ \t]+){{1,3}}?(?:{_STRONG}|{_WEAK})\b\.?",
        ),
        0.55,
    ),
    (
        "box",
        re.compile(
            r"(?<![\w])(?:P\.?[ \t]?O\.?[ \t]?Box|Post[ \t]+Office[ \t]+Box|(?i:po[ \t]?box)|Postfach|Boîte[ \t]+postale|"
            r"B\.P\.|Apartado(?:[ \t]+de[ \t]+correos)?|Casella[ \t]+postale)[ \t]*#?[ \t]*\d{1,6}(?:[ \t]\d{2,3}){0,2}(?![\w])",
        ),
        0.6,
    ),
]

# Lines that are an address on their own, without a street: "Mountain View, CA 94043", "London SW1A 2AA".
LOCALITY_PATTERNS: list[tuple[str, re.Pattern, float]] = [
    ("city, region zip", re.compile(rf"(?<![\w])(?:{_CITY}),[ \t]*{_REGION}\.?[ \t]+(?:{_US_ZIP}|{_CA_POSTCODE}|\d{{4}})(?![\w\-])"), 0.7),
    ("city region zip", re.compile(rf"(?<![\w])(?:{_CITY})[ \t]+(?:{_REGION_CODES})[ \t]+(?:{_US_ZIP}|{_CA_POSTCODE}|\d{{4}})(?![\w\-])"), 0.6),
    ("city uk-postcode", re.compile(rf"(?<![\w])(?:{_CITY}),?[ \t]+{_UK_POSTCODE}(?![\w])"), 0.6),
    ("city, code postcode", re.compile(rf"(?<![\w])(?:{_CITY}(?:[ \t]+\d{{1,4}})?),[ \t]*[A-Z]{{2}}[ \t]+(?:\d{{4,5}}(?:-\d{{3,4}})?)(?![\w\-])"), 0.5),
    ("postcode city", re.compile(rf"(?:(?<=^|\n|,[ \t]?)[ \t]*)(?:{_NL_POSTCODE}|{_EU_POSTCODE})[ \t]+{_CITY}(?=[ \t]*(?:$|\n|[,.;)]))", re.MULTILINE), 0.5),
]

# Components that may follow a street line, tried in this order at each step.
_TAILS: list[tuple[str, re.Pattern, float]] = [
    ("unit", re.compile(rf"{_SEP}{_UNIT}(?![\w])"), 0.0),
    ("city, region zip", re.compile(rf"{_SEP}(?P<city>{_CITY}),?[ \t]+{_REGION}\.?(?:,?[ \t]+(?:{_US_ZIP}|{_CA_POSTCODE}|\d{{4}}))?(?![\w\-])"), 0.25),
    ("city uk-postcode", re.compile(rf"{_SEP}(?P<city>{_CITY}),?[ \t]+(?:\p{{Lu}}[\p{{L}}\-]+,?[ \t]+)?{_UK_POSTCODE}(?![\w])"), 0.25),
    ("postcode city", re.compile(rf"{_SEP}(?:{_NL_POSTCODE}|{_EU_POSTCODE}|{_CA_POSTCODE})[ \t]+(?P<city>{_CITY})(?:[ \t]+(?:Cedex|CEDEX)(?:[ \t]+\d{{1,2}})?)?"), 0.25),
    ("city postcode", re.compile(rf"{_SEP}(?P<city>{_CITY})(?:[ \t]*[-–][ \t]*|,?[ \t]+){_ANY_POSTCODE}(?![\w\-])"), 0.2),
    ("region zip", re.compile(rf"{_SEP}{_REGION}\.?(?:[ \t]+|[ \t]*\r?\n[ \t]*)(?:{_US_ZIP}|{_CA_POSTCODE})(?![\w\-])"), 0.2),
    # Any region code when a postcode follows, perhaps after the country: "KA 46371", "UU\n Finland 35242".
    ("code (country) postcode", re.compile(
        rf"{_SEP}[A-Z]{{2,3}}\.?(?:[ \t]+|[ \t]*\r?\n[ \t]*)(?:(?P<country>\p{{Lu}}[\p{{L}}\-]+(?:[ \t]+\p{{Lu}}[\p{{L}}\-]+){{0,2}})[ \t]+)?"
        rf"{_ANY_POSTCODE}(?![\w\-])"), 0.15),
    ("postcode", re.compile(rf"{_SEP}(?:{_UK_POSTCODE}|{_CA_POSTCODE}|{_US_ZIP})(?![\w\-])"), 0.15),
    ("country", re.compile(rf"{_SEP}(?:{_COUNTRIES})(?![\w])(?:[ \t]+{_ANY_POSTCODE}(?![\w\-]))?"), 0.1),
    # Any country of the place list, with the postcode some formats put after it: "Estonia 80621".
    ("listed country", re.compile(
        rf"{_SEP}(?P<country>\p{{Lu}}[\p{{L}}\-]+(?:[ \t]+\p{{Lu}}[\p{{L}}\-]+){{0,3}})(?![\w])"
        rf"(?:[ \t]+{_ANY_POSTCODE}(?![\w\-]))?"), 0.1),
    # A lone town at the end of a line or text ("221B Baker Street, London.").
    ("city at end of line", re.compile(rf"{_SEP}(?P<city>{_CITY})(?=[ \t]*(?:$|\r?\n|[.;)](?:\s|$)))"), 0.15),
]
# A house number before a street line that begins with its name or type ("12 Rue du Lac 4" in some forms).
_NUMBER_BEFORE = re.compile(r"(?:^|(?<=[\s,(]))(?P<number>\d{1,6}[A-Za-z]?)[ \t]+$")
# Tails of an address written in lower case (chats, lower-cased exports): "pittsburgh, pa 03995", "71685 pichon-sur-lambert".
_LOWER_CITY = r"\p{Ll}[\p{Ll}'’\-]+(?:[ \t]+\p{Ll}[\p{Ll}'’\-]+){0,2}"
_LOWER_TAILS: list[tuple[str, re.Pattern, float]] = [
    ("unit", re.compile(rf"{_SEP}{_UNIT}(?![\w])"), 0.0),
    ("city, region zip", re.compile(rf"{_SEP}(?P<city>{_LOWER_CITY}),[ \t]*[a-z]{{2}}[ \t]+(?:{_US_ZIP})(?![\w\-])"), 0.25),
    ("postcode city", re.compile(rf"{_SEP}(?:{_EU_POSTCODE})[ \t]+(?P<city>{_LOWER_CITY})(?=[ \t]*(?:$|\r?\n|[,.;)]))"), 0.25),
    ("city postcode", re.compile(rf"{_SEP}(?P<city>{_LOWER_CITY}),?[ \t]+(?:{_US_ZIP}|\d{{4}}|\d{{5}}-\d{{3}})(?![\w\-])"), 0.2),
]
_UNIT_BEFORE = re.compile(rf"{_UNIT}[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?$")
# A unit word right before the house number: "Flat 84a, Adams Court" (the number belongs to the flat).
_UNIT_WORD_BEFORE = re.compile(r"(?i:flat|apt\.?|apartment|unit|suite|ste\.?|studio|room|h\.?[ \t]?no\.?)[ \t]*#?[ \t]*$")

# First words that show a "city" is really the start of the next sentence or field.
_NOT_A_CITY = frozenset(
    w.lower()
    for w in """The A An This That He She They We I It You His Her Their Our My Your Patient Pt Please Call Phone
    Tel Email Fax Mobile Cell Contact DOB SSN MRN Date Dear Hi Hello Thanks Thank Regards Sincerely Best Note Notes
    Account Acct Card Ticket Order Invoice Ref Name Age Sex Seen Admitted Discharged Reports Denies Presents
    Mr Mrs Ms Dr Prof Miss Apt Suite Unit Flat Floor Room Attn Subject Re Also And Or But If When Then Next
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec""".split()
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_PLAIN_STREET = r"(?:\d{1,6}[ \t]+\p{Lu}[\p{L}'’.\-]*(?:[ \t]+[\p{L}'’.\-]+){0,3}(?:[ \t]+\d{1,5}[A-Za-z]?)?|\p{Lu}[\p{L}'’.\-]*(?:[ \t]+[\p{L}'’.\-]+){0,3}[ \t]+\d{1,5}[A-Za-z]?)"
_PLAIN_STREET_BEFORE = re.compile(rf"(?:^|(?<=\n))[ \t]*(?P<line>{_PLAIN_STREET})[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?$")
_PLAIN_STREET_AFTER = re.compile(rf"[ \t]*,?[ \t]*{_PLAIN_STREET}(?=[ \t]*(?:,|\r?\n|$))")
# An apartment or suite number alone still points at one dwelling ("Apt. 829", "Suite 030", "Flat 4B").
_LONE_UNIT = re.compile(r"(?<![\w])(?:Apt|Apartment|Suite|Ste|Unit|Flat|Appartamento|Apartamento|Piso|Wohnung)\.?[ \t]*#?[ \t]*"
                        r"(?:\d{1,5}[A-Za-z]?|[A-Z]?\d{1,4})(?![\w])")
_UNIT_HINT = re.compile(rf"(?<![\w]){_UNIT}(?![\w])")


class StreetAddressRecognizer(TextRecognizer):
    """Whole postal addresses (and "City, ST ZIP" lines) as LOCATION."""

    ENTITIES = ("LOCATION",)

    def find(self, text: str) -> list[RecognizerResult]:
        candidates: list[tuple[int, int, float, str]] = []
        if not any(ch.isdigit() for ch in text):
            return []  # every street line and locality pattern holds a number
        has_unit = _UNIT_HINT.search(text) is not None
        for how, pattern, base in STREET_PATTERNS:
            if how == "unit+name+suffix" and not has_unit:
                continue
            for match in pattern.finditer(text):
                start, end = match.span()
                if not text[start].isdigit():
                    start = self._extend_number_before(text, start)
                start = self._extend_unit_before(text, start)
                end, bonus = self._extend_tail(text, end, lower=match.group().islower())
                if how == "number+name+weak suffix (lower case)" and bonus == 0:
                    continue  # "12 green park" alone could be anything; with a unit or a town after it, it is an address
                candidates.append((start, end, base + bonus, how))
        for how, pattern, base in LOCALITY_PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span()
                while start < end and text[start] in " \t":
                    start += 1
                if self._city_is_plausible(text[start:end]):
                    end, bonus = self._extend_tail(text, end, countries_only=True)
                    candidates.append((start, end, base + bonus, "locality: " + how))
        if has_unit:
            for match in _LONE_UNIT.finditer(text):
                start, end = match.span()
                # A street line without a street-type word next to the unit: "Na Kopci 1357\n Apt. 623",
                # "Apt. 829 737 Druzstevni 1163".
                before = _PLAIN_STREET_BEFORE.search(text, max(0, start - 60), start)
                if before is not None:
                    start = before.start("line")
                after = _PLAIN_STREET_AFTER.match(text, end)
                if after is not None:
                    end = after.end()
                end, bonus = self._extend_tail(text, end)
                candidates.append((start, end, 0.45 + bonus, "unit"))
        return [
            self.result("LOCATION", s, _drop_sentence_full_stop(text, s, e), min(score, 0.95), how)
            for s, e, score, how in _longest_first(candidates)
        ]

    @staticmethod
    def _extend_number_before(text: str, start: int) -> int:
        match = _NUMBER_BEFORE.search(text, max(0, start - 10), start)
        return match.start("number") if match else start

    @staticmethod
    def _extend_unit_before(text: str, start: int) -> int:
        match = _UNIT_BEFORE.search(text, max(0, start - 30), start) or _UNIT_WORD_BEFORE.search(
            text, max(0, start - 12), start)
        return match.start() if match else start

    def _extend_tail(self, text: str, end: int, *, countries_only: bool = False, lower: bool = False) -> tuple[int, float]:
        bonus = 0.0
        seen: set[str] = set()
        for _ in range(5):
            for how, pattern, weight in (_LOWER_TAILS if lower else _TAILS):
                if how in seen or (countries_only and how not in ("country", "listed country")):
                    continue
                match = pattern.match(text, end)
                if not match or match.end() == end or _BLANK_LINE.search(text, end, match.end()):
                    continue
                if "city" in pattern.groupindex and not self._city_is_plausible(match.group("city")):
                    continue
                if "country" in pattern.groupindex and match.group("country") is not None \
                        and not _is_listed_country(match.group("country")):
                    continue
                end = match.end()
                bonus += weight
                seen.add(how)
                break
            else:
                break
        return end, min(bonus, 0.3)

    @staticmethod
    def _city_is_plausible(city: str) -> bool:
        first = city.split()[0].strip(".,").lower() if city.split() else ""
        return bool(first) and first not in _NOT_A_CITY


_ABBREVIATIONS = frozenset(
    "st rd ave av dr ln ct pl blvd bvd pkwy hwy ter terr sq cres gdns cir trl expy fwy str pde plz aly jct rte "
    "n s e w ne nw se sw".split()
)


def _is_listed_country(words: str) -> bool:
    from privdesk.core.detect.gazetteers import place_lists

    return place_words(words) in place_lists().countries


def _drop_sentence_full_stop(text: str, start: int, end: int) -> int:
    """A final "." belongs to the sentence, unless it ends a short abbreviation such as "St." or "Ave."."""
    if end > start and text[end - 1] == ".":
        last_word = text[start:end - 1].split()[-1] if text[start:end - 1].split() else ""
        if last_word.lower() not in _ABBREVIATIONS:
            return end - 1
    return end


def _longest_first(candidates: list[tuple[int, int, float, str]]) -> list[tuple[int, int, float, str]]:
    """Drop candidates that lie inside a longer one (several street styles can match the same text)."""
    kept: list[tuple[int, int, float, str]] = []
    for cand in sorted(candidates, key=lambda c: (-(c[1] - c[0]), -c[2])):
        if any(cand[0] < k[1] and k[0] < cand[1] for k in kept):
            continue
        kept.append(cand)
    return sorted(kept)
