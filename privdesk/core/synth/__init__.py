"""Synthetic PII data with exact gold spans: for demos, tests and the detection benchmark.

    data = generate_dataset("notes", rows=1000, seed=7, template_set="dev")
    dataset_path, gold_path = write_synth(data, "notes.csv")
    gold = read_gold(gold_path)

Modules: values (fake PII in many formats), checksums (Luhn, IBAN, SSN, DEA), pools (Faker values
per locale, split dev/heldout), lexicon (hand-written word lists), templating (the template
language and the offset-keeping builder), context (slot filling per record), kinds (the four
tables), templates_dev / templates_heldout (the two disjoint template sets), template_sets
(registry and checks), generator (generate_dataset), writer (write_synth, read_gold), samples
(the bundled sample files and the command that remakes them).
"""

from privdesk.core.synth.generator import GOLD_RECOGNIZER, SynthDataset, generate_dataset
from privdesk.core.synth.kinds import KINDS
from privdesk.core.synth.pools import TEMPLATE_SETS
from privdesk.core.synth.writer import gold_path_for, read_gold, write_synth

__all__ = [
    "GOLD_RECOGNIZER",
    "KINDS",
    "TEMPLATE_SETS",
    "SynthDataset",
    "generate_dataset",
    "gold_path_for",
    "read_gold",
    "write_synth",
]
