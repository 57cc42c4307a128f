"""The PrivDesk project file: one SQLite file per project (`<name>.privdesk`).

It records each stage's output so any stage can be re-run without redoing the ones before it:

- the dataset *reference* (absolute path, SHA-256 fingerprint, format, read options, row count,
  column roles). The dataset itself is never written, and verify_dataset() notices when it changed;
- detections (record, column, offsets, entity type, score, recognizer, detection run);
- review decisions with timestamps (accept, reject, relabel, add, resize), an undo/redo history,
  and the effective state of every span;
- the masking policy (YAML text and name), runs (detection, training, evaluation) and settings;
- the project secret, wrapped (see below).

No PII: detections and decisions store offsets, never the text they point at. Nothing else in the
file may hold data values either (run params and results included).

Storage choices:

- **Schema versions**: `PRAGMA user_version` holds the version, `PRAGMA application_id` marks the file
  as PrivDesk's. `schema.MIGRATIONS` is the ordered list of steps; opening an older file runs the
  missing steps, each in its own transaction. A file from a newer PrivDesk is refused.
- **Crash safety**: WAL journal, foreign keys on, `synchronous=FULL` on every connection, so each
  committed transaction (every review decision is its own) survives a kill -9 or power loss, and
  a crash mid-write never corrupts the file.
- **Threads**: one SQLite connection per thread (threading.local), so the GUI thread reads while
  a worker thread writes detections; writers take turns on SQLite's write lock.
- **Project secret**: 32 random bytes made at creation, stored AES-GCM-wrapped. With a passphrase,
  the wrapping key is scrypt(passphrase) and nothing else is needed. Without one, the wrapping key
  lives in a key file next to the project, `<project file>.key` (`study.privdesk.key`), mode 0600:
  the project file alone, if shared, does not give the secret away, and a missing or foreign key
  file is reported instead of yielding a wrong secret. See keys.py.
- **Sealed settings**: settings that hold terms the analyst typed (allow and deny lists, custom
  recognizers) are AES-GCM-encrypted under a subkey of the project secret, bound to the project id and
  the setting's key (sealed_settings.py). Plaintext left by an older version is re-sealed, with
  SQLite's secure_delete on so the old bytes do not linger in the file.
"""

from privdesk.core.errors import ProjectError
from privdesk.core.project.decisions import ACTIONS, Action, Decision, DecisionRequest, Status, apply_decisions
from privdesk.core.project.fingerprint import dataset_fingerprint
from privdesk.core.project.keys import key_file_path
from privdesk.core.project.project_file import DatasetStatus, Project
from privdesk.core.project.records import PROJECT_SUFFIX, RUN_STATUSES, DatasetRef, Detection, Run
from privdesk.core.project.schema import SCHEMA_VERSION, Migration

__all__ = [
    "ACTIONS",
    "Action",
    "DatasetRef",
    "DatasetStatus",
    "Decision",
    "DecisionRequest",
    "Detection",
    "Migration",
    "PROJECT_SUFFIX",
    "Project",
    "ProjectError",
    "RUN_STATUSES",
    "Run",
    "SCHEMA_VERSION",
    "Status",
    "apply_decisions",
    "dataset_fingerprint",
    "key_file_path",
]
