"""Countries, regions and towns: a hand-written list of the world's larger cities and countries, plus the
town, region and country lists that ship with Faker (German, Dutch, Italian, Polish, Swedish, Indian
towns; US states, Canadian provinces, ...).

Names are stored as lower-cased word tuples ("new", "york"), indexed by their first word, so the
recognizer looks up each capitalised word once and tries only the few places that start with it.
"""

from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
from dataclasses import dataclass

import regex as re

log = logging.getLogger(__name__)

COUNTRIES = """
Afghanistan|Albania|Algeria|Andorra|Angola|Antigua and Barbuda|Argentina|Armenia|Australia|Austria|Azerbaijan|
Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia and Herzegovina|Bosnia|
Botswana|Brazil|Brasil|Brunei|Bulgaria|Burkina Faso|Burundi|Cabo Verde|Cape Verde|Cambodia|Cameroon|Canada|
Central African Republic|Chad|Chile|China|Colombia|Comoros|Congo|Costa Rica|Côte d'Ivoire|Ivory Coast|Croatia|
Cuba|Cyprus|Czechia|Czech Republic|Denmark|Djibouti|Dominica|Dominican Republic|Ecuador|Egypt|El Salvador|
Equatorial Guinea|Eritrea|Estonia|Eswatini|Swaziland|Ethiopia|Fiji|Finland|France|Gabon|Gambia|Georgia|Germany|
Deutschland|Ghana|Greece|Grenada|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|Honduras|Hungary|Iceland|India|
Indonesia|Iran|Iraq|Ireland|Israel|Italy|Italia|Jamaica|Japan|Jordan|Kazakhstan|Kenya|Kiribati|Kosovo|Kuwait|
Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|
Malaysia|Maldives|Mali|Malta|Marshall Islands|Mauritania|Mauritius|Mexico|México|Micronesia|Moldova|Monaco|
Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Burma|Namibia|Nauru|Nepal|Netherlands|The Netherlands|Nederland|
Holland|New Zealand|Nicaragua|Niger|Nigeria|North Korea|North Macedonia|Macedonia|Norway|Norge|Oman|Pakistan|
Palau|Palestine|Panama|Papua New Guinea|Paraguay|Peru|Philippines|Poland|Polska|Portugal|Qatar|Romania|Russia|
Rwanda|Saint Kitts and Nevis|Saint Lucia|Saint Vincent and the Grenadines|Samoa|San Marino|Saudi Arabia|Senegal|
Serbia|Seychelles|Sierra Leone|Singapore|Slovakia|Slovenia|Solomon Islands|Somalia|South Africa|South Korea|
Korea|South Sudan|Spain|España|Sri Lanka|Sudan|Suriname|Sweden|Sverige|Switzerland|Schweiz|Suisse|Syria|Taiwan|
Tajikistan|Tanzania|Thailand|Timor-Leste|East Timor|Togo|Tonga|Trinidad and Tobago|Trinidad|Tunisia|Turkey|
Türkiye|Turkmenistan|Tuvalu|Uganda|Ukraine|United Arab Emirates|UAE|United Kingdom|UK|Great Britain|Britain|
England|Scotland|Wales|Northern Ireland|United States|United States of America|USA|U.S.A.|U.S.|US|America|
Uruguay|Uzbekistan|Vanuatu|Vatican City|Venezuela|Vietnam|Viet Nam|Yemen|Zambia|Zimbabwe|Puerto Rico|Greenland|
Hong Kong|Macau|Macao|Gibraltar|Bermuda|Guam|Österreich|Danmark|Suomi|België|Belgique|Éire
"""

# Cities and regions a reader anywhere would recognise (the larger cities of each continent and the
# English-speaking countries' towns that appear in addresses and tickets). Towns whose name is far more
# often a given name (Helena, Eugene, Elizabeth, Norman, ...) are left out on purpose.
CITIES = """
New York|New York City|NYC|Los Angeles|Chicago|Houston|Phoenix|Philadelphia|San Antonio|San Diego|Dallas|
San Jose|Austin|Jacksonville|Fort Worth|Columbus|Charlotte|San Francisco|Indianapolis|Seattle|Denver|Washington|
Washington D.C.|Boston|El Paso|Nashville|Detroit|Oklahoma City|Portland|Las Vegas|Memphis|Louisville|Baltimore|
Milwaukee|Albuquerque|Tucson|Fresno|Mesa|Sacramento|Atlanta|Kansas City|Colorado Springs|Omaha|Raleigh|Miami|
Long Beach|Virginia Beach|Oakland|Minneapolis|Tulsa|Tampa|Arlington|New Orleans|Wichita|Cleveland|Bakersfield|
Anaheim|Honolulu|Santa Ana|Riverside|Corpus Christi|Lexington|Stockton|Saint Paul|St. Paul|
Cincinnati|St. Louis|Saint Louis|Pittsburgh|Greensboro|Lincoln|Anchorage|Plano|Orlando|Irvine|Newark|Durham|
Chula Vista|Toledo|Fort Wayne|St. Petersburg|Laredo|Jersey City|Chandler|Madison|Lubbock|Scottsdale|Reno|
Buffalo|Glendale|North Las Vegas|Winston-Salem|Chesapeake|Norfolk|Fremont|Garland|Hialeah|
Richmond|Boise|Spokane|Baton Rouge|Tacoma|San Bernardino|Modesto|Fontana|Des Moines|Moreno Valley|Santa Clarita|
Fayetteville|Birmingham|Oxnard|Rochester|Port St. Lucie|Grand Rapids|Huntsville|Salt Lake City|Frisco|Yonkers|
Amarillo|Glendale|Huntington Beach|McKinney|Montgomery|Augusta|Akron|Little Rock|Tempe|Columbus|Overland Park|
Grand Prairie|Tallahassee|Cape Coral|Mobile|Knoxville|Shreveport|Worcester|Ontario|Vancouver|Sioux Falls|
Chattanooga|Brownsville|Fort Lauderdale|Providence|Newport News|Rancho Cucamonga|Santa Rosa|Peoria|Oceanside|
Elk Grove|Salem|Pembroke Pines|Garden Grove|Cary|Fort Collins|Corona|Springfield|Jackson|Alexandria|
Hayward|Clarksville|Lakewood|Lancaster|Salinas|Palmdale|Hollywood|Springfield|Macon|Sunnyvale|Pomona|Killeen|
Escondido|Pasadena|Naperville|Bellevue|Joliet|Murfreesboro|Midland|Rockford|Paterson|Savannah|Bridgeport|Torrance|
McAllen|Syracuse|Surprise|Denton|Roseville|Thornton|Miramar|Mesquite|Olathe|Dayton|Carrollton|Waco|Orange|Fullerton|
Charleston|West Valley City|Visalia|Hampton|Gainesville|Coral Springs|Cedar Rapids|Round Rock|Sterling Heights|
Kent|Columbia|Santa Clara|New Haven|Stamford|Concord|Athens|Thousand Oaks|Lafayette|Simi Valley|Topeka|
Fargo|Wilmington|Abilene|Odessa|Pearland|Victorville|Hartford|Vallejo|Allentown|Berkeley|Richardson|Arvada|
Ann Arbor|Cambridge|Sugar Land|Lansing|Evansville|College Station|Fairfield|Clearwater|Beaumont|Independence|Provo|
West Jordan|Murrieta|Palm Bay|El Monte|Carlsbad|Charleston|Temecula|Boulder|Burlington|Manchester|Albany|Trenton|
Harrisburg|Annapolis|Dover|Montpelier|Concord|Augusta|Juneau|Bismarck|Cheyenne|Santa Fe|Carson City|
Olympia|Frankfort|Jefferson City|Springfield|Montgomery|Tallahassee|Atlanta|Columbia|Raleigh|Nashville|Boise|
Toronto|Montreal|Montréal|Calgary|Ottawa|Edmonton|Winnipeg|Mississauga|Quebec City|Québec|Hamilton|Brampton|
Surrey|Halifax|Victoria|Saskatoon|Regina|St. John's|Kelowna|London|Birmingham|Manchester|Glasgow|Liverpool|Leeds|
Sheffield|Edinburgh|Bristol|Cardiff|Belfast|Leicester|Coventry|Bradford|Nottingham|Kingston upon Hull|Hull|
Newcastle|Newcastle upon Tyne|Stoke-on-Trent|Southampton|Derby|Portsmouth|Plymouth|Wolverhampton|Reading|
Aberdeen|Dundee|Swansea|Norwich|Oxford|Cambridge|York|Brighton|Bath|Exeter|Canterbury|Luton|Milton Keynes|
Northampton|Sunderland|Bolton|Blackpool|Middlesbrough|Peterborough|Ipswich|Cheltenham|Gloucester|
Chester|Lancaster|Carlisle|Inverness|Stirling|Perth|Dublin|Cork|Limerick|Galway|Waterford|Sydney|Melbourne|
Brisbane|Adelaide|Canberra|Hobart|Darwin|Gold Coast|Newcastle|Auckland|Wellington|Christchurch|Dunedin|
Paris|Marseille|Lyon|Toulouse|Nice|Nantes|Strasbourg|Montpellier|Bordeaux|Lille|Rennes|Reims|Grenoble|Dijon|
Berlin|Hamburg|Munich|München|Cologne|Köln|Frankfurt|Stuttgart|Düsseldorf|Dortmund|Essen|Leipzig|Bremen|Dresden|
Hanover|Hannover|Nuremberg|Nürnberg|Vienna|Wien|Graz|Salzburg|Innsbruck|Zurich|Zürich|Geneva|Genève|Basel|Bern|
Lausanne|Amsterdam|Rotterdam|The Hague|Den Haag|Utrecht|Eindhoven|Groningen|Brussels|Bruxelles|Antwerp|Antwerpen|
Ghent|Gent|Bruges|Liège|Madrid|Barcelona|Valencia|Seville|Sevilla|Zaragoza|Málaga|Malaga|Bilbao|Granada|Palma|
Las Palmas|Alicante|Córdoba|Valladolid|Vigo|Lisbon|Lisboa|Porto|Braga|Coimbra|Rome|Roma|Milan|Milano|Naples|
Napoli|Turin|Torino|Palermo|Genoa|Genova|Bologna|Florence|Firenze|Venice|Venezia|Verona|Bari|Catania|Pisa|
Copenhagen|København|Aarhus|Stockholm|Gothenburg|Göteborg|Malmö|Uppsala|Oslo|Bergen|Trondheim|Helsinki|Espoo|
Tampere|Reykjavik|Reykjavík|Warsaw|Warszawa|Kraków|Krakow|Łódź|Wrocław|Poznań|Gdańsk|Szczecin|Prague|Praha|Brno|
Bratislava|Budapest|Bucharest|București|Sofia|Belgrade|Zagreb|Ljubljana|Sarajevo|Athens|Thessaloniki|Istanbul|
Ankara|Izmir|Kyiv|Kiev|Kharkiv|Lviv|Odesa|Odessa|Minsk|Vilnius|Riga|Tallinn|Moscow|Saint Petersburg|Novosibirsk|
Tokyo|Osaka|Kyoto|Yokohama|Nagoya|Sapporo|Seoul|Busan|Beijing|Shanghai|Guangzhou|Shenzhen|Chengdu|Wuhan|
Hong Kong|Taipei|Manila|Quezon City|Cebu|Bangkok|Hanoi|Ho Chi Minh City|Saigon|Kuala Lumpur|Jakarta|Surabaya|
Bandung|Singapore|Mumbai|Bombay|Delhi|New Delhi|Bangalore|Bengaluru|Hyderabad|Ahmedabad|Chennai|Madras|Kolkata|
Calcutta|Pune|Jaipur|Lucknow|Kanpur|Nagpur|Indore|Bhopal|Patna|Karachi|Lahore|Islamabad|Rawalpindi|Dhaka|
Chittagong|Colombo|Kathmandu|Kabul|Tehran|Baghdad|Riyadh|Jeddah|Mecca|Medina|Dubai|Abu Dhabi|Doha|Kuwait City|
Muscat|Amman|Beirut|Damascus|Jerusalem|Tel Aviv|Haifa|Cairo|Alexandria|Casablanca|Rabat|Marrakesh|Tunis|
Algiers|Tripoli|Lagos|Abuja|Kano|Ibadan|Accra|Kumasi|Dakar|Abidjan|Nairobi|Mombasa|Kampala|Kigali|
Dar es Salaam|Addis Ababa|Khartoum|Luanda|Kinshasa|Johannesburg|Cape Town|Durban|Pretoria|Harare|Lusaka|Maputo|
Mexico City|Ciudad de México|Guadalajara|Monterrey|Puebla|Tijuana|Cancún|Havana|Santo Domingo|San Juan|
Kingston|Panama City|San José|Guatemala City|Tegucigalpa|Managua|San Salvador|Bogotá|Bogota|Medellín|Cali|
Caracas|Quito|Guayaquil|Lima|La Paz|Santiago|Buenos Aires|Córdoba|Rosario|Montevideo|Asunción|São Paulo|
Sao Paulo|Rio de Janeiro|Brasília|Brasilia|Salvador|Fortaleza|Belo Horizonte|Manaus|Curitiba|Recife|
Porto Alegre|Belém|Goiânia|Campinas|Florianópolis
"""

REGIONS = """
Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|
Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|
Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York State|North Carolina|North Dakota|Ohio|
Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|
Washington State|West Virginia|Wisconsin|Wyoming|District of Columbia|Ontario|Quebec|British Columbia|Alberta|
Manitoba|Saskatchewan|Nova Scotia|New Brunswick|Newfoundland|Prince Edward Island|Yukon|New South Wales|
Queensland|Victoria|Tasmania|Western Australia|South Australia|Northern Territory|Bavaria|Bayern|Saxony|Sachsen|
Hesse|Hessen|Brandenburg|Thuringia|Catalonia|Cataluña|Andalusia|Andalucía|Galicia|Basque Country|Tuscany|
Toscana|Lombardy|Lombardia|Sicily|Sicilia|Sardinia|Provence|Normandy|Normandie|Brittany|Bretagne|Alsace|Flanders|
Wallonia|Kerala|Tamil Nadu|Karnataka|Maharashtra|Gujarat|Punjab|Rajasthan|Uttar Pradesh|West Bengal|Bihar|
Telangana|Andhra Pradesh|Odisha|Assam|Goa|Kashmir|Yorkshire|Lancashire|Kent|Essex|Surrey|Sussex|Devon|Cornwall|
Cumbria|Norfolk|Suffolk|Hampshire|Dorset|Somerset|Cheshire|Merseyside|Midlands|Highlands
"""

# Countries that are also common given names or words: "Jordan", "Chad", "Georgia", "Turkey".
_NAME_LIKE_COUNTRIES = frozenset("jordan chad georgia turkey guinea israel kenya india china niger".split())

# Faker address providers whose lists hold real places (other locales generate fictional town names).
_FAKER_PLACE_ATTRIBUTES = ("cities", "states", "provinces", "regions", "countries", "departments", "municipalities")


@dataclass(frozen=True)
class PlaceLists:
    by_first_word: dict[str, tuple[tuple[str, ...], ...]]  # "new" -> (("new", "york"), ("new", "delhi"), ...)
    countries: frozenset[tuple[str, ...]]
    major: frozenset[tuple[str, ...]]  # the hand-written countries, cities and regions (not Faker's long tail)
    # Places that are also names or ordinary words ("Florence", "Jackson", "Reading"): a hit needs support.
    ambiguous: frozenset[tuple[str, ...]]

    def is_place(self, word: str) -> bool:
        return (word.lower(),) in self.by_first_word.get(word.lower(), ())

    def is_major_place(self, word: str) -> bool:
        return (word.lower(),) in self.major

    def longest_at(self, words: list[str]) -> tuple[str, ...] | None:
        """The longest place whose words begin `words` (lower-cased), if any."""
        best = None
        for place in self.by_first_word.get(words[0], ()):
            if len(place) <= len(words) and tuple(words[:len(place)]) == place and (best is None or len(place) > len(best)):
                best = place
        return best


def place_words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in re.findall(r"[\p{L}\p{M}](?:[\p{L}\p{M}'’.]|-(?=[\p{L}\p{M}]))*", name))


def _split(block: str) -> list[str]:
    return [entry.strip() for entry in block.replace("\n", "").split("|") if entry.strip()]


def _faker_places() -> set[str]:
    import faker.providers.address as address_package

    found: set[str] = set()
    for module_info in pkgutil.iter_modules(address_package.__path__):
        try:
            provider = importlib.import_module(f"faker.providers.address.{module_info.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attribute in _FAKER_PLACE_ATTRIBUTES:
            for base in provider.__mro__:
                if attribute in base.__dict__:
                    values = base.__dict__[attribute]
                    if isinstance(values, (list, tuple, dict, set, frozenset)):
                        found.update(str(v) for v in values if re.fullmatch(r"[\p{Script=Latin}\p{M}'’.\- ]+", str(v)))
                    break
    return found


@functools.lru_cache(maxsize=1)
def place_lists() -> PlaceLists:
    from privdesk.core.detect.gazetteers.common_words import is_common_word
    from privdesk.core.detect.gazetteers.names import name_lists

    names = name_lists()
    countries = {place_words(c) for c in _split(COUNTRIES)}
    major = countries | {place_words(p) for p in _split(CITIES) + _split(REGIONS)}
    everything = major | {place_words(p) for p in _faker_places()}
    everything = {p for p in everything if p and len(p) <= 6 and (len("".join(p)) >= 3 or p in countries)}
    ambiguous = set()
    for place in everything:
        if len(place) == 1 and place not in countries:
            word = place[0]
            # "Reading", "Corning": a place named like a verb form is one only with a cue.
            if names.is_first(word) or word in names.last or is_common_word(word) or word.endswith("ing"):
                ambiguous.add(place)
        elif len(place) == 1 and (is_common_word(place[0]) or place[0] in _NAME_LIKE_COUNTRIES):
            ambiguous.add(place)
    index: dict[str, list[tuple[str, ...]]] = {}
    for place in everything:
        index.setdefault(place[0], []).append(place)
    log.debug("place gazetteer: %d places (%d ambiguous)", len(everything), len(ambiguous))
    return PlaceLists(by_first_word={k: tuple(v) for k, v in index.items()}, countries=frozenset(countries),
                      major=frozenset(p for p in major if p in everything), ambiguous=frozenset(ambiguous))
