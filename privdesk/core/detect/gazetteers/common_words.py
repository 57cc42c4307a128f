"""Ordinary English words that are also names or places ("May", "Will", "Grant", "Reading", "Nice").

A gazetteer hit on one of these is a name only with support: a paired surname, a title, a greeting
or a locative phrase. The list joins spaCy's stop words, Faker's list of common English words and the
words below: vocabulary that begins sentences and headings in the texts PrivDesk reads (clinical
notes, support tickets, bank memos, chat), and given names that are everyday words.
"""

from __future__ import annotations

import functools

_DOMAIN_WORDS = """
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday morning evening night
patient client customer caller member user agent admin staff employee applicant account manager team support
doctor nurse physician surgeon dentist pharmacist therapist consultant specialist provider practitioner
dear hi hello hey thanks thank regards sincerely cheers best greetings subject re fwd attn note notes
name date age sex gender male female address phone mobile cell fax email contact signed signature
ticket case order invoice reference policy claim payment transfer refund deposit withdrawal charge fee balance
history diagnosis allergies medications vitals assessment plan impression exam examination review follow
admitted discharged reports denies presents presented started stopped continue increase decrease referred
prescribed scheduled booked called spoke emailed texted visited seen noted advised discussed
bank card credit debit cash check cheque wire salary rent loan mortgage insurance premium subscription
street road avenue lane drive court place square park station bridge hill valley river lake mount
north south east west central upper lower new old great little saint san santa
hospital clinic university college school church center centre office building house home hall
grant will bill mark hope faith joy june art guy pat sue ray chase case jack major sterling page don eve
ever else per son van long young king green brown white black gray grey rose dawn summer winter autumn
spring star sky river stone wood forest rock hunter cash price bishop miles max sage blue true royal noble
rich frank earnest constance patience prudence mercy grace harmony melody destiny trinity unity liberty
justice journey legend genesis nova precious princess lady baby honey sunny holly ivy iris lily olive
pearl ruby amber crystal jade hazel heather daisy violet penny sandy rusty drew bob gay will lane
christian angel hero pilot judge marshal chancellor dean
more most much many some any all each every other another such only just also even still yet
apple amazon google meta target visa discover chase delta united virgin shell
""".split()


@functools.lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    from faker.providers.lorem.en_US import Provider as LoremProvider
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset({w.lower() for w in LoremProvider.word_list} | {w.lower() for w in STOP_WORDS}
                     | set(_DOMAIN_WORDS))


class _CommonWords:
    """A lazily built frozenset: importing this module costs nothing until the first lookup."""

    def __contains__(self, word: object) -> bool:
        return word in _common_words()

    def __len__(self) -> int:
        return len(_common_words())


COMMON_WORDS = _CommonWords()


def is_common_word(word: str) -> bool:
    return word.lower() in _common_words()
