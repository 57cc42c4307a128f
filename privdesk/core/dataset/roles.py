"""Suggest a role for each column: free text to scan, a structured identifier of one entity type, or ignore.

Two kinds of evidence: the column's name (tokens such as `email`, `dob`, `zip`) and its content (most
non-empty values are e-mail addresses, Luhn-valid card numbers, IBANs with a valid checksum, ...).
Content that is unambiguous on its own wins; a name only counts when the content fits it (a column
called `email_opt_in` holding yes/no is not an e-mail column). Suggestions are a starting point the
analyst confirms; nothing here is ever logged with values.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any, Callable, Mapping, Sequence

from privdesk.core.types import ENTITY_TYPES, IGNORE, TEXT, ColumnRole

MAX_VALUES = 2000  # values per column that are looked at
# Characters of each value that are looked at. Every identifier check fails long before this, and the
# free-text verdict is the same on a prefix; a 50 MB cell would otherwise cost seconds of regex work.
MAX_VALUE_CHARS = 4096
MATCH_SHARE = 0.8  # share of non-empty values that must fit a pattern

# --- content checks -------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_URL = re.compile(r"^(https?://|ftp://|www\.)[^\s/$.?#][^\s]*$", re.IGNORECASE)
_SSN = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
_SSN_DIGITS = re.compile(r"^(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}$")
_CARD_CHARS = re.compile(r"^\d[\d -]{11,22}\d$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]{7,22}(\s*(x|ext\.?)\s*\d{1,5})?$", re.IGNORECASE)
_ZIP = re.compile(r"^(\d{5}(-\d{4})?|\d{4}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{3}-\d{4}|\d{2}-\d{3})$",
                  re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WORD_DATE = re.compile(r"^(\d{1,2} )?([A-Za-z]{3,9})\.? (\d{1,2}(st|nd|rd|th)?,? )?\d{4}$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)?|\d{1,3}([,.]\d{3})+([.,]\d+)?)([eE][+-]?\d+)?$")
_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1"})


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


def is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_credit_card(text: str) -> bool:
    if not _CARD_CHARS.match(text):
        return False
    digits = re.sub(r"[ -]", "", text)
    return 13 <= len(digits) <= 19 and digits[0] in "3456" and luhn_valid(digits)


def is_iban(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not _IBAN.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def is_ssn(text: str) -> bool:
    return bool(_SSN.match(text))


def is_date(text: str) -> bool:
    match = _ISO_DATE.match(text)
    if match:
        return _valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _NUMERIC_DATE.match(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        year = year + 2000 if year < 100 else year
        # Day-first or month-first: either reading must be a real date.
        return _valid_date(year, second, first) or _valid_date(year, first, second)
    match = _WORD_DATE.match(text)
    return bool(match and match.group(2)[:3].lower() in _MONTHS)


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1800 <= year <= 2200


def is_phone(text: str) -> bool:
    """Phone-shaped: 7 to 15 digits with phone punctuation, and not a date, an IP address or an SSN."""
    if not _PHONE_CHARS.match(text):
        return False
    digits = re.sub(r"\D", "", re.split(r"(?i)x|ext", text)[0])
    if not 7 <= len(digits) <= 15:
        return False
    groups = [group for group in re.split(r"[\s().-]+", text.lstrip("+")) if group]
    formatted = text.startswith("+") or "(" in text or len(groups) >= 3
    return formatted and not (is_date(text) or is_ssn(text) or is_ip_address(text))


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def is_zip_code(text: str) -> bool:
    return bool(_ZIP.match(text))


# Checks that identify a column from content alone, in the order they are tried.
CONTENT_CHECKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("EMAIL_ADDRESS", is_email),
    ("URL", is_url),
    ("IP_ADDRESS", is_ip_address),
    ("IBAN_CODE", is_iban),
    ("CREDIT_CARD", is_credit_card),
    ("US_SSN", is_ssn),
    ("DATE_TIME", is_date),
    ("PHONE_NUMBER", is_phone),
)

# --- name hints ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameHint:
    entity_type: str
    tokens: frozenset[str]  # any of these tokens in the column name
    fits: Callable[[list[str]], bool]  # does the content fit this entity?
    numeric: bool = False  # may the values be plain numbers (zip 02139 stored as 2139)?
    whole_names: frozenset[str] = frozenset()  # words that count only as the entire name (`patient`, not `patient_group`)


def _share(values: list[str], check: Callable[[str], bool]) -> float:
    return sum(1 for value in values if check(value)) / len(values) if values else 0.0


def _mostly_match(values: list[str], check: Callable[[str], bool]) -> bool:
    """At least MATCH_SHARE of the values pass; stops as soon as too many have failed."""
    allowed_failures = len(values) - MATCH_SHARE * len(values)
    failures = 0
    for value in values:
        if not check(value):
            failures += 1
            if failures > allowed_failures:
                return False
    return bool(values)


def _short_strings(values: list[str]) -> bool:
    """Values short enough to be one identifier rather than prose."""
    return median(len(value) for value in values) <= 80 and median(len(value.split()) for value in values) <= 10


def _mostly(check: Callable[[str], bool]) -> Callable[[list[str]], bool]:
    return lambda values: _mostly_match(values, check)


def _has_letters(values: list[str]) -> bool:
    return _short_strings(values) and _mostly_match(values, lambda v: any(c.isalpha() for c in v))


def _digits_between(low: int, high: int) -> Callable[[list[str]], bool]:
    return _mostly(lambda v: low <= sum(c.isdigit() for c in v) <= high)


def _small_number(values: list[str]) -> bool:
    return _mostly_match(values, lambda v: v.isdigit() and int(v) <= 130)


def _id_like(values: list[str]) -> bool:
    return _short_strings(values) and _mostly_match(values, lambda v: any(c.isdigit() for c in v) and " " not in v.strip())


NAME_HINTS: tuple[NameHint, ...] = (
    NameHint("EMAIL_ADDRESS", frozenset({"email", "mail", "emailaddress"}), _mostly(lambda v: "@" in v)),
    NameHint("IBAN_CODE", frozenset({"iban"}), _mostly(is_iban)),
    NameHint("CREDIT_CARD", frozenset({"card", "cc", "ccnum", "creditcard", "pan"}), _digits_between(12, 19), numeric=True),
    NameHint("US_SSN", frozenset({"ssn", "socialsecurity"}), _mostly(lambda v: bool(_SSN.match(v) or _SSN_DIGITS.match(v))), numeric=True),
    NameHint("PHONE_NUMBER", frozenset({"phone", "tel", "telephone", "mobile", "cell", "fax", "phonenumber"}), _digits_between(6, 15), numeric=True),
    NameHint("IP_ADDRESS", frozenset({"ip", "ipv4", "ipv6", "ipaddress"}), _mostly(is_ip_address)),
    NameHint("URL", frozenset({"url", "website", "homepage", "uri", "link", "web"}), _mostly(lambda v: "." in v and " " not in v)),
    NameHint("ZIP_CODE", frozenset({"zip", "zipcode", "postcode", "postal", "postalcode", "plz"}), _mostly(is_zip_code), numeric=True),
    NameHint("US_PASSPORT", frozenset({"passport"}), _id_like),
    NameHint("US_DRIVER_LICENSE", frozenset({"driver", "drivers", "dl", "driverlicense"}), _id_like),
    NameHint("MEDICAL_LICENSE", frozenset({"npi", "dea", "medicallicense"}), _id_like, numeric=True),
    NameHint("US_BANK_NUMBER", frozenset({"account", "accountnumber", "bankaccount", "routing"}), _digits_between(6, 17), numeric=True),
    NameHint("DATE_TIME", frozenset({"dob", "birth", "birthday", "birthdate", "born", "date", "datetime", "timestamp"}), _mostly(is_date)),
    NameHint("AGE", frozenset({"age"}), _small_number, numeric=True),
    NameHint("ORGANIZATION", frozenset({"company", "organization", "organisation", "org", "employer", "hospital",
                                        "clinic", "bank", "institution", "insurer"}), _has_letters),
    NameHint("NRP", frozenset({"nationality", "religion", "ethnicity", "race", "political"}), _has_letters),
    NameHint("LOCATION", frozenset({"address", "addr", "street", "city", "town", "village", "county", "country",
                                    "location", "residence"}), _has_letters),
    NameHint("PERSON", frozenset({"name", "firstname", "lastname", "fullname", "surname", "forename", "givenname",
                                  "familyname", "username", "nickname", "maidenname"}), _has_letters,
             whole_names=frozenset({"patient", "doctor", "physician", "nurse", "customer", "client", "employee",
                                    "author", "contact", "sender", "recipient", "person", "user", "owner"})),
)

# Tokens that make a matching name about something else: `patient_id`, `file_name`, `date_format`.
_NOT_ENTITY_TOKENS = frozenset({"id", "uuid", "guid", "key", "count", "type", "format", "flag", "status", "file",
                                "filename", "product", "item", "table", "column", "field", "host", "hostname",
                                "server", "domain", "opt", "verified", "valid", "consent", "hash", "len", "length",
                                "drug", "medication", "diagnosis", "test", "device", "brand", "model", "category",
                                "department", "dept", "project", "event", "course", "service", "plan", "code",
                                "group", "segment", "class", "level", "score", "size", "source", "template"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_tokens(column: str) -> list[str]:
    """'patient.firstName' -> ['patient', 'first', 'name', 'firstname']: words plus adjacent pairs joined,
    so both 'first_name' and 'firstname' find the token 'firstname'."""
    words = [w.lower() for w in re.split(r"[^A-Za-z0-9]+", _CAMEL.sub(" ", column)) if w]
    words = [w for w in words if not w.isdigit()]
    pairs = [a + b for a, b in zip(words, words[1:])]
    return words + pairs


def _name_hint(column: str) -> NameHint | None:
    tokens = set(name_tokens(column))
    leaf_tokens = set(name_tokens(column.rsplit(".", 1)[-1]))
    if leaf_tokens & _NOT_ENTITY_TOKENS:
        return None
    leaf_words = [w for w in name_tokens(column.rsplit(".", 1)[-1]) if w]
    whole = leaf_words[0] if len(leaf_words) == 1 else None
    # The last dotted part names the value itself (`patient.email` is an e-mail, not a person).
    for scope in (leaf_tokens, tokens):
        for hint in NAME_HINTS:
            if scope & hint.tokens or (scope is leaf_tokens and whole in hint.whole_names):
                return hint
    return None


# --- the column verdict ---------------------------------------------------------------------------------


def _sample(values: Sequence[Any]) -> list[Any]:
    sample = []
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        sample.append(value)
        if len(sample) >= MAX_VALUES:
            break
    return sample


def _is_free_text(texts: list[str]) -> bool:
    """Prose rather than codes or categories: several words or long strings, and mostly distinct."""
    mean_words = sum(len(text.split()) for text in texts) / len(texts)
    mean_length = sum(len(text) for text in texts) / len(texts)
    if mean_words < 3 and mean_length < 25:
        return False
    if _share(texts, lambda text: " " in text or "\n" in text) < 0.5:
        return False  # long single tokens (hashes, UUIDs, base64) are codes, not prose
    distinct = len(set(texts)) / len(texts)
    return len(texts) < 20 or distinct >= 0.2


def suggest_role(column: str, values: Sequence[Any]) -> ColumnRole:
    sample = _sample(values)
    if not sample:
        return IGNORE
    if any(isinstance(value, (list, dict, bytes, bool, float)) for value in sample):
        return IGNORE  # nested data, flags and measurements are not what PII detection scans
    native_numbers = all(isinstance(value, int) for value in sample)
    texts = [value[:MAX_VALUE_CHARS].strip() if isinstance(value, str) else str(value) for value in sample]
    hint = _name_hint(column)

    if not native_numbers:
        for entity_type, check in CONTENT_CHECKS:
            if _mostly_match(texts, check):
                return ColumnRole("identifier", entity_type)
    if hint and (hint.numeric or not native_numbers) and hint.fits(texts):
        return ColumnRole("identifier", hint.entity_type)
    if native_numbers or _mostly_match(texts, is_number):
        return IGNORE
    if _mostly_match(texts, lambda text: text.lower() in _BOOLEAN_WORDS):
        return IGNORE
    return TEXT if _is_free_text(texts) else IGNORE


def suggest_roles(columns: Mapping[str, Sequence[Any]]) -> dict[str, ColumnRole]:
    """A role for each column from its name and a sample of its values (the first rows are enough)."""
    return {name: suggest_role(name, values) for name, values in columns.items()}


assert all(hint.entity_type in ENTITY_TYPES for hint in NAME_HINTS)
assert all(entity in ENTITY_TYPES for entity, _ in CONTENT_CHECKS)
