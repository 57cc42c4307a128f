"""Records to Arrow columns and back: flattening nested JSON, typing columns, unifying batches.

Nested objects become dotted columns (`patient.name`) so every leaf value is a column the analyst can
give a role. Lists stay Arrow list columns when Arrow can type them, else JSON text. A column whose
values have different JSON types (an int in one record, a string in another) is read as text rather
than refusing the file.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

import pyarrow as pa

_KIND_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "object"}


class ColumnOrder:
    """Column names in first-seen order, with a new dotted name placed next to its siblings.

    Keeping `patient.age` (first seen in record 2) beside `patient.name` means re-nesting on write and
    flattening on the next read give the same order.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self._known: set[str] = set()
        for name in names:
            self.add(name)

    def __contains__(self, name: str) -> bool:
        return name in self._known

    def add(self, name: str) -> None:
        if name in self._known:
            return
        self._known.add(name)
        parts = name.split(".")
        for depth in range(len(parts), 0, -1):  # its own children first, then ever wider families
            prefix = ".".join(parts[:depth])
            siblings = [i for i, known in enumerate(self.names) if known == prefix or known.startswith(prefix + ".")]
            if siblings:
                self.names.insert(siblings[-1] + 1, name)
                return
        self.names.append(name)


class FieldCollision(ValueError):
    """A key with a dot and nested keys flatten to the same column (`{"a.b": 1, "a": {"b": 2}}`)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def flatten_record(record: dict, order: ColumnOrder | None = None) -> dict[str, Any]:
    """{'patient': {'name': 'x'}} -> {'patient.name': 'x'}; an empty object stays a value.

    Raises FieldCollision rather than let one of two values that flatten to the same name vanish.
    """
    if not any(isinstance(value, dict) for value in record.values()):
        flat = record  # the common flat record needs no copy
    else:
        flat = {}
        _flatten_into(record, "", flat)
    if order is not None:
        for name in flat:
            if name not in order:
                order.add(name)
    return flat


def _flatten_into(record: dict, prefix: str, flat: dict[str, Any]) -> None:
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten_into(value, name + ".", flat)
        elif name in flat:
            raise FieldCollision(name)
        else:
            flat[name] = value


def nest_record(flat: dict[str, Any]) -> dict[str, Any]:
    """Inverse of flatten_record for one row, keys in column order.

    A null column never hides real values: `patient: null` (from a record that lacked the object) is
    dropped when some `patient.*` value is set, and null `patient.*` values are dropped when
    `patient` itself is a null column, so flattening the result gives the same columns back. A dotted
    name that collides with a value already in its place is kept as a literal key, never lost.
    """
    live: set[str] = set()  # prefixes with a non-null value somewhere below them
    null_columns: set[str] = set()
    for name, value in flat.items():
        if value is None:
            null_columns.add(name)
        else:
            parts = name.split(".")
            live.update(".".join(parts[:depth]) for depth in range(1, len(parts)))
    nested: dict[str, Any] = {}
    for name, value in flat.items():
        parts = name.split(".")
        if value is None:
            if name in live:
                continue
            ancestors = (".".join(parts[:depth]) for depth in range(1, len(parts)))
            if any(ancestor in null_columns and ancestor not in live for ancestor in ancestors):
                continue
        if not _place(nested, parts, value):
            nested[name] = value
    return nested


def _place(nested: dict, parts: list[str], value: Any) -> bool:
    node = nested
    for part in parts[:-1]:
        if part not in node:
            node[part] = {}
        child = node[part]
        if not isinstance(child, dict):
            return False
        node = child
    if parts[-1] in node:
        return False
    node[parts[-1]] = value
    return True


def value_kind(value: Any) -> type:
    """The JSON kind of a Python value (bool before int: bool is a subclass of int)."""
    for kind in (bool, int, float, str, list, dict):
        if isinstance(value, kind):
            return kind
    return object


def value_kind_of_type(kind: type) -> type:
    for base in (bool, int, float, str, list, dict):
        if issubclass(kind, base):
            return base
    return object


def json_text(value: Any) -> str | None:
    """A value as text in a column that had to fall back to strings: strings as-is, the rest as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def column_from_values(name: str, values: Sequence[Any], notes: set[str]) -> pa.Array:
    """Type one column of Python values the way a JSON reader should (see the module docstring)."""
    # type() per value is much cheaper than isinstance chains; subclasses (rare) fall back to value_kind.
    exact_types = set(map(type, values))
    exact_types.discard(type(None))
    kinds = {kind if kind in _KIND_NAMES else value_kind_of_type(kind) for kind in exact_types}
    if not kinds:
        return pa.nulls(len(values))
    if kinds == {bool}:
        return pa.array(values, pa.bool_())
    if kinds == {str}:
        return pa.array(values, pa.string())
    try:
        if kinds == {int}:
            return pa.array(values, pa.int64())
        if kinds <= {int, float}:
            return pa.array(values, pa.float64())
        if kinds <= {list, dict}:
            return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        notes.add(f"column {name!r} holds values Arrow cannot type together; read as JSON text")
        return pa.array([json_text(value) for value in values], pa.string())
    described = ", ".join(sorted(_KIND_NAMES.get(kind, "other") for kind in kinds))
    notes.add(f"column {name!r} mixes value types ({described}); read as text")
    return pa.array([json_text(value) for value in values], pa.string())


def records_to_table(records: Sequence[dict[str, Any]], order: ColumnOrder, notes: set[str]) -> pa.Table:
    """A table of flattened records with every column known so far, in `order`."""
    arrays = [column_from_values(name, [record.get(name) for record in records], notes) for name in order.names]
    return pa.Table.from_arrays(arrays, names=list(order.names))


def is_text_type(data_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(data_type):
        return is_text_type(data_type.value_type)
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type) or pa.types.is_string_view(data_type)


def unify_types(types: Iterable[pa.DataType]) -> pa.DataType:
    """One type for a column whose batches were typed separately: nulls give way, ints widen to
    floats, nested types merge when Arrow can merge them, anything else becomes a string."""
    distinct = [t for t in dict.fromkeys(types) if not pa.types.is_null(t)]
    if not distinct:
        return pa.null()
    if len(distinct) == 1:
        return distinct[0]
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in distinct):
        return pa.float64()
    if all(is_text_type(t) for t in distinct):
        return pa.large_string() if any(pa.types.is_large_string(t) for t in distinct) else pa.string()
    if all(pa.types.is_nested(t) for t in distinct):
        try:
            merged = pa.unify_schemas([pa.schema([pa.field("column", t)]) for t in distinct],
                                      promote_options="permissive")
            return merged.field("column").type
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            pass
    return pa.string()


def conform_column(column: pa.ChunkedArray | pa.Array, target: pa.DataType) -> pa.ChunkedArray | pa.Array:
    """Cast one batch's column to the unified type; to text through json_text when a cast cannot do it."""
    if column.type == target:
        return column
    if pa.types.is_null(column.type):
        return pa.nulls(len(column), target)
    if not is_text_type(target) or is_text_type(column.type):
        try:
            return column.cast(target)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            pass
    return pa.array([json_text(value) for value in column.to_pylist()], target if is_text_type(target) else pa.string())


def unify_tables(tables: Sequence[pa.Table], order: Sequence[str] | None = None) -> pa.Table:
    """Concatenate batches whose columns or types may differ (JSON), in `order` (default: first seen)."""
    if not tables:
        return pa.table({})
    first_schema = tables[0].schema
    if all(table.schema.equals(first_schema) for table in tables) and (order is None or list(order) == first_schema.names):
        return pa.concat_tables(tables)
    names = list(order) if order is not None else list(dict.fromkeys(n for t in tables for n in t.column_names))
    targets = {name: unify_types(t.schema.field(name).type for t in tables if name in t.column_names) for name in names}
    conformed = []
    for table in tables:
        arrays = [conform_column(table.column(name), targets[name]) if name in table.column_names
                  else pa.nulls(table.num_rows, targets[name]) for name in names]
        conformed.append(pa.Table.from_arrays(arrays, schema=pa.schema([pa.field(n, targets[n]) for n in names])))
    return pa.concat_tables(conformed)
