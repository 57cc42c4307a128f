"""Masking: policies, operators, export with audit report, and the re-identification vault.

    policy = load_preset("hipaa_safe_harbor")            # or load_policy("my_policy.yaml")
    masker = Masker(policy, secret)                      # the GUI's live preview of one record
    masker.mask_text(text, spans, record=0, column="note_text")
    export_dataset("notes.csv", spans_by_record, policy, secret, "notes.masked.csv",
                   report_path="notes.report.html", vault_path="notes.vault", passphrase="...")
    reidentify_file("notes.masked.csv", "notes.vault", "...", "notes.restored.csv")

Modules, one job each:

  policy, policy_schema, yaml_nodes   Policy dataclasses, YAML with line-numbered validation
  presets                             the bundled policies in resources/policies/
  operators                           redact, tag, mask, hash, encrypt, surrogate, date_shift, generalize, keep
  surrogates, shapes                  consistent, format-preserving fake values
  dates, generalize                   date parsing/formatting/shifting; age bands, ZIP3, years
  keying, encryption                  keys derived from the project secret; AES-SIV / AES-GCM values
  overlaps                            overlapping spans merged so nothing leaks
  masker                              Masker: one text or record
  streaming                           batch-by-batch writers (CSV, TSV, JSON, JSON Lines, Parquet, txt)
  export                              export_dataset: stream, mask, write atomically
  audit                               the audit report (JSON + HTML), no values
  vault, reidentify                   the encrypted vault and the way back
  project_spans, secret_file          spans and review statistics from a project; a secret without one
"""

from privdesk.core.mask.audit import ReviewSummary
from privdesk.core.mask.encryption import decrypt_value
from privdesk.core.mask.errors import MaskingError, PolicyError, VaultError
from privdesk.core.mask.export import ExportSummary, export_dataset
from privdesk.core.mask.masker import MaskedText, Masker, MaskingCounts, Replacement
from privdesk.core.mask.policy import ColumnPolicy, OperatorSpec, Policy, load_policy
from privdesk.core.mask.policy_schema import OPERATOR_PARAMS, OPERATORS
from privdesk.core.mask.presets import load_preset, preset_names, resolve_policy
from privdesk.core.mask.project_spans import review_summary, spans_to_mask
from privdesk.core.mask.reidentify import ReidentifySummary, reidentify_file
from privdesk.core.mask.vault import VaultReader, VaultWriter, read_passphrase_file

__all__ = [
    "OPERATORS",
    "OPERATOR_PARAMS",
    "ColumnPolicy",
    "ExportSummary",
    "MaskedText",
    "Masker",
    "MaskingCounts",
    "MaskingError",
    "OperatorSpec",
    "Policy",
    "PolicyError",
    "ReidentifySummary",
    "Replacement",
    "ReviewSummary",
    "VaultError",
    "VaultReader",
    "VaultWriter",
    "decrypt_value",
    "export_dataset",
    "load_policy",
    "load_preset",
    "preset_names",
    "read_passphrase_file",
    "reidentify_file",
    "resolve_policy",
    "review_summary",
    "spans_to_mask",
]
