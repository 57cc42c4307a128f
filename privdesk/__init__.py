"""PrivDesk: detect, review and mask PII, then train language models with differential privacy, offline."""

import os as _os

__version__ = "0.1.0"

# Nothing leaves the machine: libraries that would fetch models or data at run time are told
# to stay offline before any of them is imported.
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
    _os.environ.setdefault(_name, "1")
