"""Every string of a report made safe to show on a terminal before a text renderer lays it out.

A report carries words from servers, certificates, files and the user (greetings, issuer names, addresses,
profile names); a saved report may have been written by anyone. `shown_deep` passes every string of it
through `safetext.shown`, so an escape sequence, a C1 control or a bidi override is printed as a visible
escape and never obeyed. Renderers add their own colours afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from mailprobe.safetext import shown

if TYPE_CHECKING:
    from pydantic import BaseModel

T = TypeVar("T")


def shown_deep(value: T) -> T:
    """VALUE with every string in it (model fields, list items, mapping keys and values) made safe."""
    # Imported here: the table of formats costs `--help` nothing (there is no report to show then).
    from pydantic import BaseModel as model

    return _walk(value, model)  # type: ignore[no-any-return]


def _walk(value: Any, model: type[BaseModel]) -> Any:
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, model):
        fields = type(value).model_fields
        return value.model_copy(update={name: _walk(getattr(value, name), model) for name in fields})
    if isinstance(value, list):
        return [_walk(item, model) for item in value]
    if isinstance(value, tuple):
        return tuple(_walk(item, model) for item in value)
    if isinstance(value, dict):
        return {_walk(key, model): _walk(item, model) for key, item in value.items()}
    return value
