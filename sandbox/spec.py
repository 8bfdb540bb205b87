"""Checks Bot API requests against the machine-readable spec, the way Telegram refuses them."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any, Final

from sandbox.errors import ApiError, bad_request

_LIMIT = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_ARRAY = "Array of "
# Fields whose length Telegram measures after parsing entities; messages.py checks those.
MEASURED_AFTER_PARSING: Final = frozenset({"text", "caption"})
# Telegram's own wording for the limits a bot meets most often.
_LIMIT_ERRORS: Final = {
    "callback_data": "BUTTON_DATA_INVALID",
    "name": "TOPIC_NAME_INVALID",
}
_MISSING_ERRORS: Final = {"chat_id": "chat_id is empty", "text": "message text is empty"}


@cache
def spec() -> dict[str, Any]:
    with resources.files("sandbox").joinpath("spec/api.json").open("rb") as file:
        loaded: dict[str, Any] = json.load(file)
    return loaded


def method_names() -> dict[str, str]:
    """Lower-case name -> spec name: Telegram's method names are case-insensitive."""
    return {name.lower(): name for name in spec()["methods"]}


def check_request(method: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Return the parameters with their types applied, or raise Telegram's error."""
    definition = spec()["methods"][method]
    fields = {field["name"]: field for field in definition.get("fields", [])}
    for name in raw:
        if name not in fields:
            raise bad_request(f'unknown parameter "{name}" for method {method}')
    checked: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in raw or raw[name] is None:
            if field["required"]:
                raise bad_request(_MISSING_ERRORS.get(name, f'parameter "{name}" is required'))
            continue
        value = _decode(raw[name], field["types"])
        checked[name] = _check(value, field["types"], name, field["description"])
    return checked


def _decode(value: Any, types: list[str]) -> Any:
    """Form-encoded requests carry JSON for everything that is not a plain string."""
    if isinstance(value, str) and types != ["String"]:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check(value: Any, types: list[str], path: str, description: str) -> Any:
    errors: list[ApiError] = []
    for type_name in types:
        try:
            return _check_one(value, type_name, path, description)
        except ApiError as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    fitting = [error for type_name, error in zip(types, errors, strict=True)
               if isinstance(value, dict) and set(value) <= _field_names(type_name)]
    if len(fitting) == 1:  # the object is clearly meant as this type: say what is wrong in it
        raise fitting[0]
    raise bad_request(f'field "{path}" must be of type {" or ".join(types)}')


def _field_names(type_name: str) -> set[str]:
    definition = spec()["types"].get(type_name, {})
    return {field["name"] for field in definition.get("fields", [])}


def _check_one(value: Any, type_name: str, path: str, description: str) -> Any:
    if type_name.startswith(_ARRAY):
        if not isinstance(value, list):
            raise bad_request(f'field "{path}" must be an Array')
        inner = type_name.removeprefix(_ARRAY)
        return [_check_one(item, inner, f"{path}[{i}]", description)
                for i, item in enumerate(value)]
    if type_name == "String":
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise bad_request(f'field "{path}" must be of type String')
        _check_limit(value, path, description)
        return value
    if type_name == "Integer":
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad_request(f'field "{path}" must be of type Integer')
        return value
    if type_name == "Float":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise bad_request(f'field "{path}" must be of type Float')
        return value
    if type_name in ("Boolean", "True"):
        if isinstance(value, str) and value in ("true", "false"):
            value = value == "true"
        if not isinstance(value, bool) or (type_name == "True" and value is not True):
            raise bad_request(f'field "{path}" must be of type {type_name}')
        return value
    if type_name == "InputFile":
        raise bad_request(f'field "{path}": file uploads are not supported by the sandbox')
    return _check_object(value, type_name, path)


def _check_limit(value: str, path: str, description: str) -> None:
    name = path.rsplit(".", 1)[-1].split("[", 1)[0]
    match = _LIMIT.search(description)
    if match is None or name in MEASURED_AFTER_PARSING:
        return
    low, high, unit = int(match[1]), int(match[2]), match[3]
    size = len(value.encode()) if unit == "bytes" else len(value)
    if not low <= size <= high:
        raise bad_request(_LIMIT_ERRORS.get(name, f'field "{path}" must be {low}-{high} {unit}'))


def _check_object(value: Any, type_name: str, path: str) -> dict[str, Any]:
    definition = spec()["types"].get(type_name)
    if definition is None:
        raise bad_request(f'field "{path}" has unknown type {type_name}')
    if not isinstance(value, dict):
        raise bad_request(f'field "{path}" must be an object {type_name}')
    if "subtypes" in definition:
        return _check(value, definition["subtypes"], path, "")  # type: ignore[no-any-return]
    fields = {field["name"]: field for field in definition.get("fields", [])}
    checked: dict[str, Any] = {}
    for name, item in value.items():
        if name not in fields:
            raise bad_request(f'unknown field "{path}.{name}" in {type_name}')
        checked[name] = _check(item, fields[name]["types"], f"{path}.{name}",
                               fields[name]["description"])
    for name, field in fields.items():
        if field["required"] and name not in value:
            raise bad_request(f'field "{path}.{name}" is required in {type_name}')
    return checked
