"""QUndoCommands for review decisions that keep the project file and the undo stack in step.

The first redo() records the decisions (Project.record_decisions: one transaction, one undo step
in the project); later undo()/redo() call Project.undo()/redo() as many times as the command holds
project steps. Consecutive resizes of one span merge into one command (pressing Shift+Right five
times is one undo), which then holds several project steps.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Sequence

from PySide6.QtGui import QUndoCommand

from privdesk.core.project import DecisionRequest

if TYPE_CHECKING:
    from privdesk.gui.review.session import ReviewSession

log = logging.getLogger(__name__)

MERGE_RESIZE_ID = 7301  # any fixed number: commands with the same id() may merge


class DecisionCommand(QUndoCommand):
    def __init__(self, session: "ReviewSession", requests: Sequence[DecisionRequest], text: str,
                 merge_key: tuple | None = None) -> None:
        super().__init__(text)
        self._session = session
        self._requests = list(requests)
        self._merge_key = merge_key
        self._steps = 0
        self.records: set[int] = set()
        self.decision_ids: list[int] = []

    @property
    def project_steps(self) -> int:
        return self._steps

    def redo(self) -> None:
        project = self._session.project
        if project is None:
            self.setObsolete(True)
            return
        try:
            if self._steps == 0:
                decisions = project.record_decisions(self._requests)
                self._steps = 1
                self.records = {decision.record for decision in decisions}
                self.decision_ids = [decision.id for decision in decisions]
            else:
                for _ in range(self._steps):
                    project.redo()
        except Exception as error:  # noqa: BLE001 - a failed write must reach the analyst, not kill the app
            if self._steps == 0:
                self.setObsolete(True)  # nothing was recorded: the stack drops this command
            self._session.report_failure(error, "Recording the decision", history_broken=self._steps > 0)
            return
        self._session.apply_project_change(self.records)

    def undo(self) -> None:
        project = self._session.project
        if project is None:
            return
        try:
            for _ in range(self._steps):
                project.undo()
        except Exception as error:  # noqa: BLE001
            self._session.report_failure(error, "Undoing the decision", history_broken=True)
            return
        self._session.apply_project_change(self.records)

    def id(self) -> int:  # noqa: A003 - Qt API
        return MERGE_RESIZE_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if not isinstance(other, DecisionCommand) or other._merge_key != self._merge_key or other._steps == 0:
            return False
        self._steps += other._steps
        self.records |= other.records
        self.decision_ids.extend(other.decision_ids)
        return True
