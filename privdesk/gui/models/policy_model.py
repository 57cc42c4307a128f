"""The policy being edited, as a table: one row per entity type (and per column override), one operator each.

Rows, top to bottom: the policy's default ("Any other type"), the entity types found in the dataset
(most frequent first, with their counts), the other known types, then the per-column overrides.
A type row may hold no operator of its own: it then follows the default, the way Policy.operator_for
resolves it. Every edit is validated against the operator's parameter table (policy_schema) before it
is taken, so an invalid value never reaches the policy; `policy()` always returns a valid Policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from privdesk.core.mask import OPERATORS, ColumnPolicy, OperatorSpec, Policy
from privdesk.core.mask.policy_schema import OPERATOR_ENTITY_TYPES, check_param
from privdesk.core.types import ENTITY_TYPES
from privdesk.gui import palette
from privdesk.gui.theme import entity_qcolor

ModelIndex = QModelIndex | QPersistentModelIndex
ANY_TYPE = "Any other type"
ALL_TYPES_IN_COLUMN = "All types"

COLUMN_ENTITY, COLUMN_FOUND, COLUMN_SCOPE, COLUMN_OPERATOR, COLUMN_PARAMS = range(5)
_HEADERS = ("Entity type", "Found", "Column", "Operator", "Parameters")

ENTITY_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's entity type (None for a default row)


@dataclass
class PolicyRule:
    """One row: where it applies (column None = everywhere; entity None = the default) and its operator."""

    column: str | None
    entity: str | None
    spec: OperatorSpec | None  # None: follow the policy default (type rows only)
    found: int = 0

    @property
    def is_override(self) -> bool:
        return self.column is not None


def operators_for(entity: str | None) -> list[str]:
    """Operators that can apply to `entity` (None: a default, which excludes type-specific operators)."""
    return [op for op in OPERATORS if op not in OPERATOR_ENTITY_TYPES
            or (entity is not None and entity in OPERATOR_ENTITY_TYPES[op])]


def describe_params(spec: OperatorSpec) -> str:
    """The parameters in a few words: switches by name when on, others as name=value, unset ones left out."""
    parts = []
    for name, value in spec.params.items():
        if value is True:
            parts.append(name.replace("_", " "))
        elif value not in (None, "", False):
            parts.append(f"{name.replace('_', ' ')}={value}")
    return ", ".join(parts)


class PolicyModel(QAbstractTableModel):
    policy_changed = Signal()  # after every accepted edit (not after load)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rules: list[PolicyRule] = []
        self._name = "Untitled policy"
        self._description = ""
        self._locale: str | None = None
        self._edited = False

    # ---- loading and building -------------------------------------------------------------------

    def load(self, policy: Policy, counts: dict[str, int] | None = None) -> None:
        """Show `policy`; `counts` (entity type -> detections) puts the types found first."""
        counts = dict(counts or {})
        found = sorted((t for t, n in counts.items() if n > 0), key=lambda t: (-counts[t], t))
        rest = [t for t in (*ENTITY_TYPES, *policy.custom_entities, *policy.entities) if t not in found]
        rules = [PolicyRule(None, None, policy.default)]
        for entity in dict.fromkeys((*found, *rest)):
            rules.append(PolicyRule(None, entity, policy.entities.get(entity), counts.get(entity, 0)))
        for column, override in policy.columns.items():
            if override.default is not None:
                rules.append(PolicyRule(column, None, override.default))
            for entity, spec in override.entities.items():
                rules.append(PolicyRule(column, entity, spec, counts.get(entity, 0)))
        self.beginResetModel()
        self._rules = rules
        self._name, self._description, self._locale = policy.name, policy.description, policy.locale
        self._edited = False
        self.endResetModel()

    def policy(self) -> Policy:
        default = self._rules[0].spec if self._rules else OperatorSpec("tag")
        assert default is not None
        entities = {r.entity: r.spec for r in self._rules
                    if not r.is_override and r.entity is not None and r.spec is not None}
        columns: dict[str, ColumnPolicy] = {}
        for rule in self._rules:
            if not rule.is_override or rule.spec is None:
                continue
            current = columns.get(rule.column, ColumnPolicy())
            if rule.entity is None:
                columns[rule.column] = ColumnPolicy(rule.spec, current.entities)
            else:
                columns[rule.column] = ColumnPolicy(current.default, {**current.entities, rule.entity: rule.spec})
        used = {r.entity for r in self._rules if r.entity is not None and r.spec is not None}
        custom = tuple(sorted(t for t in used if t not in ENTITY_TYPES))
        name = self._name if not self._edited or self._name.endswith("(edited)") else f"{self._name} (edited)"
        return Policy(name=name, default=default, entities=entities, columns=columns,  # type: ignore[arg-type]
                      description=self._description, locale=self._locale, custom_entities=custom)

    # ---- queries --------------------------------------------------------------------------------

    def rule(self, row: int) -> PolicyRule:
        return self._rules[row]

    def row_of(self, entity: str | None, column: str | None = None) -> int:
        for row, rule in enumerate(self._rules):
            if rule.entity == entity and rule.column == column:
                return row
        raise KeyError(f"no policy row for {entity!r} in column {column!r}")

    def effective_spec(self, row: int) -> OperatorSpec:
        rule = self._rules[row]
        if rule.spec is not None:
            return rule.spec
        return self._rules[0].spec  # type: ignore[return-value]

    def allowed_operators(self, row: int) -> list[str]:
        """The operator names the row may take; "" (follow the default) first for entity type rows."""
        rule = self._rules[row]
        names = operators_for(rule.entity)
        return ([""] + names) if (not rule.is_override and rule.entity is not None) else names

    # ---- edits ----------------------------------------------------------------------------------

    def set_operator(self, row: int, operator: str) -> str | None:
        """Give row `row` the operator (default parameters); "" follows the default. Returns a problem or None."""
        rule = self._rules[row]
        if operator not in self.allowed_operators(row):
            target = rule.entity or "a default"
            return f"'{operator}' cannot be used for {target}."
        current = rule.spec.operator if rule.spec is not None else ""
        if operator == current:
            return None
        rule.spec = OperatorSpec(operator) if operator else None
        self._changed(row)
        return None

    def set_param(self, row: int, name: str, value: Any) -> str | None:
        """Set one parameter of the row's own operator; refuses an invalid value and returns why."""
        rule = self._rules[row]
        if rule.spec is None:
            return "this type follows the default operator; choose an operator for it first."
        problem = check_param(rule.spec.operator, name, value)
        if problem:
            return f"{name} {problem}."
        if rule.spec.params.get(name) == value:
            return None
        rule.spec = OperatorSpec(rule.spec.operator, {**rule.spec.params, name: value})
        self._changed(row)
        return None

    def add_override(self, column: str, entity: str | None) -> int:
        """Add (or find) the override of `entity` (None: every type) in `column`; returns its row."""
        try:
            return self.row_of(entity, column)
        except KeyError:
            pass
        base = self.policy().operator_for(entity, None) if entity is not None else self._rules[0].spec
        assert base is not None
        if base.operator not in operators_for(entity):
            base = OperatorSpec("tag")
        row = len(self._rules)
        self.beginInsertRows(QModelIndex(), row, row)
        counts = {r.entity: r.found for r in self._rules if not r.is_override}
        self._rules.append(PolicyRule(column, entity, base, counts.get(entity, 0) if entity else 0))
        self.endInsertRows()
        self._edited = True
        self.policy_changed.emit()
        return row

    def remove_override(self, row: int) -> bool:
        if not (0 <= row < len(self._rules)) or not self._rules[row].is_override:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rules[row]
        self.endRemoveRows()
        self._edited = True
        self.policy_changed.emit()
        return True

    def _changed(self, row: int) -> None:
        self._edited = True
        # A change of the default shows in every row that follows it.
        first = 0 if row == 0 else row
        last = len(self._rules) - 1 if row == 0 else row
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(_HEADERS) - 1))
        self.policy_changed.emit()

    # ---- Qt model -------------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._rules)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(_HEADERS):
            return _HEADERS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COLUMN_OPERATOR:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rules)):
            return None
        rule = self._rules[index.row()]
        column = index.column()
        if role == ENTITY_ROLE:
            return rule.entity
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COLUMN_ENTITY:
                if rule.entity is None:
                    return ALL_TYPES_IN_COLUMN if rule.is_override else ANY_TYPE
                return palette.entity_label(rule.entity)
            if column == COLUMN_FOUND:
                return f"{rule.found:,}" if rule.found else ""
            if column == COLUMN_SCOPE:
                return rule.column or "all"
            if column == COLUMN_OPERATOR:
                return rule.spec.operator if rule.spec is not None else f"default ({self.effective_spec(index.row()).operator})"
            if column == COLUMN_PARAMS:
                return describe_params(rule.spec) if rule.spec is not None else ""
        if role == Qt.ItemDataRole.EditRole and column == COLUMN_OPERATOR:
            return rule.spec.operator if rule.spec is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole and column == COLUMN_ENTITY and rule.entity is not None:
            return rule.entity
        if role == Qt.ItemDataRole.DecorationRole and column == COLUMN_ENTITY and rule.entity is not None:
            return entity_qcolor(rule.entity)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COLUMN_FOUND:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or index.column() != COLUMN_OPERATOR:
            return False
        return self.set_operator(index.row(), str(value or "")) is None
