"""The installer tests render icons with Qt and start `privdesk --self-test`: never on a real display."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
