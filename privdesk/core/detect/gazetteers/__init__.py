"""Word lists for the gazetteer recognizers: personal names, places and the common words they collide with.

Built once per process on first use (a few hundred milliseconds, mostly importing Faker's locale
providers) and shared by every recognizer in that process. Everything is stored lower-cased, so a
lookup is one set membership test per token.
"""

from privdesk.core.detect.gazetteers.common_words import COMMON_WORDS, is_common_word
from privdesk.core.detect.gazetteers.names import NameLists, name_lists
from privdesk.core.detect.gazetteers.places import PlaceLists, place_lists
from privdesk.core.detect.gazetteers.tokens import Token, word_tokens

__all__ = ["COMMON_WORDS", "NameLists", "PlaceLists", "Token", "is_common_word", "name_lists", "place_lists",
           "word_tokens"]
