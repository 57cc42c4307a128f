"""Hand-written word lists that Faker lacks: real cities, countries, NRP terms, domains and the
non-PII vocabulary (drugs, doses, symptoms, products) that makes the texts read like real ones.

Items that need an article ("the Netherlands") are (prefix, name) pairs: the prefix is not part of
the gold span.
"""

from __future__ import annotations

# The Faker locales names and addresses come from, with how often each is drawn.
LOCALE_WEIGHTS: dict[str, int] = {
    "en_US": 30, "en_GB": 12, "de_DE": 7, "fr_FR": 6, "es_ES": 6, "it_IT": 6,
    "nl_NL": 5, "pt_BR": 6, "en_IN": 8, "pl_PL": 5, "sv_SE": 4,
}

# Real cities, so that texts do not only mention Faker's invented towns. US cities carry their state.
US_CITIES: dict[str, str] = {
    "New York": "NY", "Los Angeles": "CA", "Chicago": "IL", "Houston": "TX", "Phoenix": "AZ",
    "Philadelphia": "PA", "San Antonio": "TX", "San Diego": "CA", "Dallas": "TX", "Austin": "TX",
    "Seattle": "WA", "Denver": "CO", "Boston": "MA", "Portland": "OR", "Atlanta": "GA", "Miami": "FL",
    "Minneapolis": "MN", "Nashville": "TN", "Detroit": "MI", "Baltimore": "MD", "Milwaukee": "WI",
    "Albuquerque": "NM", "Tucson": "AZ", "Sacramento": "CA", "Kansas City": "MO", "Omaha": "NE",
    "Raleigh": "NC", "Cleveland": "OH", "Tampa": "FL", "Pittsburgh": "PA", "Cincinnati": "OH",
    "St. Louis": "MO", "Orlando": "FL", "Salt Lake City": "UT", "Honolulu": "HI", "Anchorage": "AK",
    "Boise": "ID", "Spokane": "WA", "Madison": "WI", "Buffalo": "NY", "Richmond": "VA",
    "Charlotte": "NC", "Indianapolis": "IN", "Columbus": "OH", "Memphis": "TN", "Louisville": "KY",
    "Oklahoma City": "OK", "Las Vegas": "NV", "San Jose": "CA", "San Francisco": "CA", "Oakland": "CA",
    "Fresno": "CA", "Burlington": "VT", "Providence": "RI", "Hartford": "CT", "Des Moines": "IA",
    "Little Rock": "AR", "Birmingham": "AL", "Savannah": "GA", "Tulsa": "OK", "Wichita": "KS",
}

REAL_CITIES: dict[str, tuple[str, ...]] = {
    "en_GB": ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Edinburgh", "Liverpool",
              "Bristol", "Sheffield", "Cardiff", "Belfast", "Leicester", "Nottingham",
              "Newcastle upon Tyne", "Brighton", "Oxford", "Cambridge", "York", "Bath", "Aberdeen",
              "Southampton", "Plymouth", "Norwich", "Exeter", "Swansea", "Coventry", "Reading", "Derby"),
    "de_DE": ("Berlin", "Hamburg", "München", "Munich", "Köln", "Cologne", "Frankfurt am Main",
              "Stuttgart", "Düsseldorf", "Leipzig", "Dresden", "Hannover", "Nürnberg", "Bremen",
              "Freiburg im Breisgau", "Heidelberg", "Bonn", "Mainz"),
    "fr_FR": ("Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Strasbourg", "Montpellier",
              "Bordeaux", "Lille", "Rennes", "Reims", "Grenoble", "Dijon", "Aix-en-Provence", "Le Havre"),
    "es_ES": ("Madrid", "Barcelona", "Valencia", "Sevilla", "Seville", "Zaragoza", "Málaga", "Bilbao",
              "Granada", "Alicante", "Córdoba", "Valladolid", "Palma de Mallorca", "San Sebastián"),
    "it_IT": ("Roma", "Rome", "Milano", "Milan", "Napoli", "Naples", "Torino", "Turin", "Palermo",
              "Genova", "Bologna", "Firenze", "Florence", "Bari", "Venezia", "Venice", "Verona", "Padova"),
    "nl_NL": ("Amsterdam", "Rotterdam", "Den Haag", "The Hague", "Utrecht", "Eindhoven", "Groningen",
              "Tilburg", "Almere", "Breda", "Nijmegen", "Haarlem", "Leiden", "Delft", "Maastricht"),
    "pt_BR": ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Brasília", "Salvador", "Fortaleza",
              "Curitiba", "Recife", "Porto Alegre", "Manaus", "Campinas", "Florianópolis", "Belém"),
    "en_IN": ("Mumbai", "Delhi", "New Delhi", "Bengaluru", "Bangalore", "Hyderabad", "Chennai", "Kolkata",
              "Pune", "Ahmedabad", "Jaipur", "Lucknow", "Kochi", "Chandigarh", "Indore", "Nagpur"),
    "pl_PL": ("Warszawa", "Warsaw", "Kraków", "Krakow", "Łódź", "Wrocław", "Poznań", "Gdańsk",
              "Szczecin", "Lublin", "Katowice", "Białystok", "Toruń"),
    "sv_SE": ("Stockholm", "Göteborg", "Gothenburg", "Malmö", "Uppsala", "Västerås", "Örebro",
              "Linköping", "Helsingborg", "Lund", "Umeå", "Norrköping"),
}

US_STATES: tuple[str, ...] = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky",
    "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi",
    "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico",
    "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
    "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
    "Washington", "West Virginia", "Wisconsin", "Wyoming",
)

COUNTRIES: tuple[tuple[str, str], ...] = tuple(
    (("the " if name in {"United States", "United Kingdom", "Netherlands", "Philippines", "UK", "US",
                          "Czech Republic", "Dominican Republic", "United Arab Emirates"} else ""), name)
    for name in (
        "United States", "US", "Canada", "Mexico", "United Kingdom", "UK", "England", "Scotland",
        "Wales", "Ireland", "Germany", "France", "Spain", "Italy", "Netherlands", "Belgium", "Portugal",
        "Switzerland", "Austria", "Poland", "Sweden", "Norway", "Denmark", "Finland", "Greece",
        "Turkey", "Romania", "Ukraine", "Hungary", "Czech Republic", "Croatia", "Serbia", "Brazil",
        "Argentina", "Colombia", "Peru", "Chile", "Venezuela", "Cuba", "Jamaica", "Haiti",
        "Dominican Republic", "India", "Pakistan", "Bangladesh", "Sri Lanka", "Nepal", "China", "Japan",
        "South Korea", "Vietnam", "Thailand", "Philippines", "Indonesia", "Malaysia", "Australia",
        "New Zealand", "Nigeria", "Ghana", "Kenya", "Ethiopia", "Somalia", "South Africa", "Egypt",
        "Morocco", "Algeria", "Tunisia", "Lebanon", "Syria", "Iraq", "Iran", "Israel",
        "United Arab Emirates", "Saudi Arabia", "Russia",
    )
)

NATIONALITIES: tuple[str, ...] = (
    "American", "British", "English", "Scottish", "Irish", "Welsh", "Canadian", "Mexican", "German",
    "French", "Spanish", "Italian", "Dutch", "Belgian", "Portuguese", "Swiss", "Austrian", "Polish",
    "Swedish", "Norwegian", "Danish", "Finnish", "Greek", "Turkish", "Romanian", "Ukrainian",
    "Hungarian", "Czech", "Croatian", "Serbian", "Brazilian", "Argentinian", "Colombian", "Peruvian",
    "Chilean", "Venezuelan", "Cuban", "Jamaican", "Haitian", "Dominican", "Indian", "Pakistani",
    "Bangladeshi", "Sri Lankan", "Nepali", "Chinese", "Japanese", "Korean", "Vietnamese", "Thai",
    "Filipino", "Indonesian", "Malaysian", "Australian", "Nigerian", "Ghanaian", "Kenyan",
    "Ethiopian", "Somali", "South African", "Egyptian", "Moroccan", "Algerian", "Lebanese", "Syrian",
    "Iraqi", "Iranian", "Israeli", "Russian", "Hispanic", "Latino", "Latina",
)

RELIGIONS: tuple[str, ...] = (
    "Catholic", "Roman Catholic", "Protestant", "Methodist", "Baptist", "Lutheran", "Anglican",
    "Presbyterian", "Evangelical", "Pentecostal", "Greek Orthodox", "Russian Orthodox", "Christian",
    "Muslim", "Sunni", "Shia", "Jewish", "Orthodox Jewish", "Hindu", "Buddhist", "Sikh", "Mormon",
    "Jehovah's Witness", "Quaker", "Seventh-day Adventist", "Amish",
)

POLITICAL_GROUPS: tuple[str, ...] = (
    "Democrat", "Republican", "Libertarian", "Labour", "Tory", "Conservative", "Liberal Democrat",
    "Social Democrat", "Christian Democrat", "Socialist", "Communist", "Green",
)

FREE_MAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "en_US": ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "proton.me", "comcast.net"),
    "en_GB": ("gmail.com", "btinternet.com", "hotmail.co.uk", "yahoo.co.uk", "outlook.com", "sky.com"),
    "de_DE": ("gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de", "freenet.de"),
    "fr_FR": ("orange.fr", "free.fr", "laposte.net", "gmail.com", "sfr.fr", "hotmail.fr"),
    "es_ES": ("gmail.com", "hotmail.es", "telefonica.net", "yahoo.es", "outlook.es"),
    "it_IT": ("libero.it", "virgilio.it", "gmail.com", "tiscali.it", "alice.it"),
    "nl_NL": ("ziggo.nl", "kpnmail.nl", "gmail.com", "hotmail.nl", "xs4all.nl"),
    "pt_BR": ("uol.com.br", "bol.com.br", "gmail.com", "terra.com.br", "hotmail.com"),
    "en_IN": ("gmail.com", "rediffmail.com", "yahoo.co.in", "outlook.com"),
    "pl_PL": ("wp.pl", "onet.pl", "interia.pl", "o2.pl", "gmail.com"),
    "sv_SE": ("telia.com", "gmail.com", "hotmail.se", "bredband.net", "spray.se"),
}

TLDS: tuple[str, ...] = ("com", "com", "com", "org", "net", "io", "co.uk", "de", "fr", "es", "it", "nl", "com.br", "in", "pl", "se", "health", "info")
URL_PATHS: tuple[str, ...] = (
    "", "", "/", "/contact", "/about-us", "/login", "/account/settings", "/orders", "/support/ticket",
    "/patients/portal", "/en/home", "/blog/2021/03/update", "/careers", "/help/faq", "/docs/getting-started",
    "/profile", "/reset-password", "/invoice/view", "/appointments", "/shop/cart",
)

# Merchants and well-known organisations that appear next to Faker's invented companies.
MERCHANTS: tuple[str, ...] = (
    "Tesco", "Sainsbury's", "REWE", "Carrefour", "Albert Heijn", "Lidl", "Aldi", "Walmart", "Target",
    "Costco", "Starbucks", "Uber", "Lyft", "Netflix", "Spotify", "Amazon", "Zalando", "IKEA", "Shell",
    "BP", "Deutsche Bahn", "Ryanair", "Airbnb", "Booking.com", "Vodafone", "Orange", "Mercadona",
    "Esselunga", "Biedronka", "ICA", "Flipkart", "Swiggy", "Magazine Luiza", "Boots", "CVS Pharmacy",
    "Walgreens", "Whole Foods", "Apple", "Microsoft", "Google", "PayPal",
)

HOSPITAL_PATTERNS: tuple[str, ...] = (
    "{city} General Hospital", "{city} Medical Center", "St. {saint}'s Hospital", "{city} Memorial Hospital",
    "{last} Family Practice", "{city} Community Clinic", "University Hospital {city}",
    "{last} Health Center", "{city} Children's Hospital", "Royal {city} Infirmary", "{last} Orthopedics",
)
BANK_PATTERNS: tuple[str, ...] = (
    "{city} Savings Bank", "First {city} Bank", "{last} & Co. Bank", "{city} Credit Union",
    "{last} Private Bank", "Bank of {city}", "{city} Sparkasse", "{last} Trust",
)
INSURER_PATTERNS: tuple[str, ...] = (
    "{last} Mutual", "{city} Health Insurance", "{last} Assurance", "{city} Life", "{last} Insurance Group",
)
PHARMACY_PATTERNS: tuple[str, ...] = (
    "{city} Pharmacy", "{last} Pharmacy", "{city} Apotheke", "Pharmacie {last}", "{last} Drugstore",
)
SAINTS: tuple[str, ...] = ("Mary", "Luke", "John", "Joseph", "Anne", "Thomas", "George", "Catherine", "Vincent", "Francis", "Elizabeth", "Michael")

# --- Non-PII vocabulary: words that make text realistic and sometimes look like PII. ---
DRUGS: tuple[str, ...] = (
    "metformin", "lisinopril", "atorvastatin", "amoxicillin", "ibuprofen", "acetaminophen", "paracetamol",
    "omeprazole", "sertraline", "levothyroxine", "amlodipine", "prednisone", "insulin glargine", "warfarin",
    "apixaban", "gabapentin", "albuterol", "salbutamol", "ceftriaxone", "azithromycin", "metoprolol",
    "furosemide", "losartan", "hydrochlorothiazide", "simvastatin", "pantoprazole", "citalopram",
    "tramadol", "ondansetron", "doxycycline", "montelukast", "clopidogrel", "allopurinol", "naproxen",
)
DOSES: tuple[str, ...] = (
    "500 mg", "10 mg", "2.5 mg", "20mg", "1 g", "40 mg", "5 mL", "0.5 mg/kg", "100 mcg", "250 mg",
    "75 mg", "12.5 mg", "1000 mg", "50 mg", "25mg", "4 mg", "0.4 mg", "81 mg", "8 units", "15 mL",
)
FREQUENCIES: tuple[str, ...] = ("daily", "twice daily", "BID", "TID", "every 8 hours", "at bedtime", "as needed", "q6h", "once weekly", "PRN")
SYMPTOMS: tuple[str, ...] = (
    "chest pain", "shortness of breath", "headache", "lower back pain", "fatigue", "a dry cough", "fever",
    "nausea", "dizziness", "abdominal pain", "a pruritic rash", "palpitations", "joint pain", "a sore throat",
    "insomnia", "anxiety", "swelling of the left ankle", "blurred vision", "intermittent vomiting",
    "right knee pain", "burning on urination", "wheezing", "night sweats", "numbness in both feet",
)
CONDITIONS: tuple[str, ...] = (
    "type 2 diabetes", "hypertension", "asthma", "COPD", "atrial fibrillation", "hypothyroidism",
    "migraine", "GERD", "osteoarthritis", "depression", "CKD stage 3", "hyperlipidemia", "gout",
    "obstructive sleep apnea", "iron deficiency anemia", "psoriasis", "heart failure", "epilepsy",
)
DURATIONS: tuple[str, ...] = (
    "3 days", "two weeks", "several months", "48 hours", "a week", "10 days", "about a month",
    "six weeks", "2 years", "the past few days", "over a year",
)
PRODUCTS: tuple[str, ...] = (
    "Pro subscription", "wireless earbuds", "the X200 router", "premium plan", "smart thermostat",
    "laptop sleeve", "annual membership", "gift card", "coffee grinder", "standing desk", "mobile app",
    "family plan", "noise-cancelling headphones", "fitness tracker", "e-reader", "printer cartridge",
    "cloud backup add-on", "business license", "robot vacuum", "electric kettle",
)
ISSUES: tuple[str, ...] = (
    "a double charge", "a login problem", "a delivery delay", "a damaged item", "a refund request",
    "a password reset", "a locked account", "an address change", "a cancellation", "a billing error",
    "a missing invoice", "a warranty claim", "a failed payment", "a wrong item", "slow performance",
)
CURRENCIES_BY_COUNTRY: dict[str, str] = {
    "DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR", "BE": "EUR", "AT": "EUR",
    "PT": "EUR", "IE": "EUR", "GB": "GBP", "CH": "CHF", "PL": "PLN", "SE": "SEK", "BR": "BRL",
}
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
