"""The transformer PII tagger: a MiniLM encoder fine-tuned for BIO tagging, and its Presidio recognizer.

Modules: labels (tag scheme), data (examples and token windows), augment (extra training text),
network (base encoder + our trained tensors), train (fine-tuning), model (PiiTagger, inference),
recognizer (TransformerRecognizer), metrics (span precision/recall).
Importing this package loads neither torch nor transformers; the modules that need them do.
"""
