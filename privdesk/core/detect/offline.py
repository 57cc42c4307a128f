"""Keep detection off the network.

Presidio's EmailRecognizer validates matches with `tldextract.extract`, whose module-level
extractor downloads the public suffix list on first use (and writes a cache into the user's home).
PrivDesk runs on machines without network access and must never phone home, so before any
Presidio recognizer runs we swap that extractor for one that only reads the snapshot bundled
inside the tldextract package. Hugging Face libraries get their offline switches too, in case the
optional transformer recognizer is used.
"""

from __future__ import annotations

import functools
import os
import threading

_lock = threading.Lock()
_done = False


def ensure_offline() -> None:
    """Idempotent: make tldextract snapshot-only and put Hugging Face libraries in offline mode."""
    global _done
    with _lock:
        if _done:
            return
        for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
            os.environ.setdefault(variable, "1")
        _patch_tldextract()
        _done = True


def _patch_tldextract() -> None:
    import tldextract
    import tldextract.tldextract as tld_module

    # suffix_list_urls=() means "never fetch"; cache_dir=None means "never write a cache";
    # fallback_to_snapshot=True makes it read the list shipped inside the package.
    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)

    @functools.wraps(extractor.__call__)
    def extract(url: str, include_psl_private_domains: bool | None = False, session=None):  # noqa: ANN001
        return extractor(url, include_psl_private_domains=include_psl_private_domains)

    tld_module.TLD_EXTRACTOR = extractor
    tld_module.extract = extract
    tldextract.extract = extract
