"""PrivDesk's recognizers, all Presidio EntityRecognizers.

`text_recognizers(settings)` are the ones that need only the text (they may run in worker
processes); the spaCy and transformer recognizers need model output and run in the main process.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from privdesk.core.detect.recognizers.address import StreetAddressRecognizer
from privdesk.core.detect.recognizers.age import AgeRecognizer
from privdesk.core.detect.recognizers.cards import PaymentCardRecognizer
from privdesk.core.detect.recognizers.custom import UserPatternRecognizer, deny_list_recognizer
from privdesk.core.detect.recognizers.dates import DatePatternRecognizer
from privdesk.core.detect.recognizers.keyed_ids import KEYED_IDENTIFIERS, KeyedIdentifierRecognizer
from privdesk.core.detect.recognizers.nrp import NrpRecognizer
from privdesk.core.detect.recognizers.organization import OrganizationRecognizer
from privdesk.core.detect.recognizers.person_cues import PersonCueRecognizer
from privdesk.core.detect.recognizers.person_names import PersonNameRecognizer
from privdesk.core.detect.recognizers.phone import PhoneNumberRecognizer
from privdesk.core.detect.recognizers.places import PlaceNameRecognizer
from privdesk.core.detect.recognizers.postcode import PostcodeRecognizer
from privdesk.core.detect.recognizers.presidio_builtin import presidio_recognizers
from privdesk.core.detect.settings import DetectionSettings

__all__ = ["text_recognizers"]


def text_recognizers(settings: DetectionSettings) -> list[EntityRecognizer]:
    """Every plain-text recognizer the settings ask for (only those producing a wanted entity type)."""
    candidates: list[EntityRecognizer] = [
        *presidio_recognizers(),
        PaymentCardRecognizer(),
        StreetAddressRecognizer(),
        AgeRecognizer(),
        DatePatternRecognizer(),
        PhoneNumberRecognizer(),
        PostcodeRecognizer(),
        PersonCueRecognizer(),
        PersonNameRecognizer(),
        PlaceNameRecognizer(),
        OrganizationRecognizer(),
        NrpRecognizer(),
        *(KeyedIdentifierRecognizer(spec) for spec in KEYED_IDENTIFIERS),
    ]
    chosen = [r for r in candidates if any(settings.wants(e) for e in r.supported_entities)]
    # The analyst's own recognizers and deny lists are always loaded: they were asked for by name.
    chosen.extend(UserPatternRecognizer(spec) for spec in settings.custom_recognizers)
    chosen.extend(deny_list_recognizer(entity, terms) for entity, terms in settings.deny_list.items() if terms)
    return chosen
