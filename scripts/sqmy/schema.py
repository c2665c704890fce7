"""The JSON Schemas of the item format and the registry, and what they declare.

Every allowed value lives in `schemas/*.json`; constants here are read from
there, so code and contract cannot drift apart.  Validation has a fast gate
(fastjsonschema, compiled once) and, only for data that fails it, a detailed
pass with jsonschema whose errors become Chinese findings naming the field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

SCHEMA_NAMES = ("item", "office", "units", "people", "topics", "scoring", "waivers", "network")


@cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("sqmy").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def enum(name: str, defs_of: str = "item") -> tuple[str, ...]:
    """Allowed values of an enumerated definition, e.g. enum("stage")."""
    return tuple(schema(defs_of)["$defs"][name]["enum"])


SOURCES = enum("source")
CONVERTED_SOURCES = enum("converted_sources")
AUDIENCES = enum("audience")
STAGES = enum("review_stages")  # what a reviewer records (sqmy review, the bridge)
CHAIN_STAGES = enum("chain_stages")
DECISIONS = enum("review_decisions")
DUPLICATE_DECISIONS = enum("duplicate_decision")  # a reviewer's 查重结论 on a report like an earlier one
# the office's reopening of a decided item (sqmy reopen): the one stage that is not a review
REOPEN = next(s for s in enum("stage") if s not in STAGES)
ROUTES = enum("route")
ADOPTION_LEVELS = enum("adoption_level")
INSTRUCTION_LEVELS = enum("instruction_level")
LEADERS = enum("leader")
FEEDBACK_RESULTS = enum("feedback_result")
ROLES = enum("role")
UNIT_KINDS = enum("unit_kind", "units")
TRANSFER_RECIPIENT_KINDS = enum("transfer_recipient_kind", "units")
PERSON_KINDS = enum("person_kind", "people")
ITEM_FIELDS = tuple(schema("item")["properties"])

# The protocol's words, named once from the schema's enums (whose order is the protocol's order: the chain
# 初审 → 复审 → 审定; decisions 通过, 退回修改, 不予上报, 联合复核; ...). Code compares with these names, never
# with a literal; tests/test_schema.py says what each name must mean.
FIRST, SECOND, FINAL = CHAIN_STAGES
EXPERT_STAGE = next(s for s in STAGES if s not in CHAIN_STAGES)  # the experts' 联合复核, between 初审 and 复审
PASS, RETURN, REJECT, REFER = DECISIONS  # 通过, 退回修改, 不予上报, and 初审's referral to experts
NOT_DUPLICATE, IS_DUPLICATE = DUPLICATE_DECISIONS  # 非重复, 重复
DIRECT, REFERRAL, TRANSFER = ROUTES  # 直报, 参阅, 转办
INTERNAL, PUBLIC = AUDIENCES  # 内部 (the default), 公开
EXPERT, OFFICE = (r for r in ROLES if r not in CHAIN_STAGES)  # the roles that are not a chain stage: 专家, 办公室
MEMBER_KIND, STAFF_KIND, INFORMANT_KIND, EXPERT_KIND = PERSON_KINDS  # 委员, 机关干部, 特约信息员, 专家
# what `sqmy record` records, with the word the office uses for it
RECORD_KINDS = {"adoption": "采用", "instruction": "批示", "transfer": "转办", "feedback": "反馈", "solved": "解决问题"}
# what the office records after 审定 (journal, adoptions, instructions, transfers)
OUTCOME_FIELDS = tuple(k for k, v in schema("item")["properties"].items() if v.get("x-outcome"))


def is_date(value: object) -> bool:
    """A real calendar date written YYYY-MM-DD."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@cache
def _fast(name: str) -> Callable[[Any], Any]:
    compiled: Callable[[Any], Any] = fastjsonschema.compile(schema(name), formats={"date": is_date})
    return compiled


@cache
def _detailed(name: str) -> Any:
    """jsonschema's validator: loaded only when data fails the fast gate (it is slow to import)."""
    import jsonschema  # noqa: PLC0415

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date")(is_date)
    cls = jsonschema.validators.validator_for(schema(name))
    return cls(schema(name), format_checker=checker)


def prepare(name: str) -> None:
    """Compile the fast validator now (before worker processes are forked, so they share it)."""
    _fast(name)


@dataclass(frozen=True)
class SchemaProblem:
    path: tuple[str | int, ...]
    rule: str
    message: str


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


@cache
def labels(name: str) -> dict[tuple[str, ...], tuple[str, str | None]]:
    """(key path without indexes) -> (Chinese label, hint) for every field."""
    root = schema(name)
    found: dict[tuple[str, ...], tuple[str, str | None]] = {}

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        node = _resolve(node, root)
        if "title" in node and path:
            found[path] = (node["title"], node.get("x-hint"))
        for key, sub in node.get("properties", {}).items():
            walk(sub, (*path, key))
        if isinstance(node.get("items"), dict):
            walk(node["items"], path)
        if isinstance(node.get("additionalProperties"), dict):  # keys chosen by the file: any key matches "*"
            walk(node["additionalProperties"], (*path, "*"))

    walk(root, ())
    return found


def _label(name: str, keys: tuple[str, ...]) -> tuple[str | None, str | None]:
    known = labels(name)
    if keys in known:
        return known[keys]
    for candidate, value in known.items():
        if len(candidate) == len(keys) and all(c in ("*", k) for c, k in zip(candidate, keys, strict=True)):
            return value
    return None, None


def field_name(path: Sequence[str | int]) -> str:
    """`reviews[0].by` style name of a field."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def describe_field(name: str, path: Sequence[str | int]) -> str:
    """`字段 reviews[0].by（审核人）`."""
    keys = tuple(step for step in path if isinstance(step, str))
    label = _label(name, keys)[0]
    entry = ""
    if path and isinstance(path[0], int):  # registry files are lists: name the entry
        entry, path = f"第 {path[0] + 1} 项的", list(path)[1:]
    shown = field_name(path) or "（整个文件）"
    return f"{entry}字段 {shown}（{label}）" if label else f"{entry}字段 {shown}"


def _hint(name: str, path: Sequence[str | int]) -> str | None:
    keys = tuple(step for step in path if isinstance(step, str))
    return _label(name, keys)[1]


def did_you_mean(word: str, choices: Sequence[str], aliases: dict[str, str] | None = None) -> str:
    """` 是不是“x”？` or an empty string."""
    if aliases and word in aliases:
        return f"是不是“{aliases[word]}”？"
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"是不是“{close[0]}”？" if close else ""


_TYPE_NAMES = {
    "string": "文字", "integer": "整数", "number": "数字", "boolean": "true 或 false",
    "array": "列表（如 [a, b]）", "object": "键值对", "null": "空值",
}
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF"}


def _shown(value: object) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "键值对" if isinstance(value, dict) else "列表"
    return f"“{value}”"


def _type_message(name: str, error: Any) -> str:  # jsonschema.ValidationError; its stubs mark fields 'Unset'
    wanted = error.validator_value
    wanted_list = [wanted] if isinstance(wanted, str) else list(wanted)
    names = "或".join(_TYPE_NAMES.get(t, t) for t in wanted_list if t != "null")
    value = error.instance
    text = f"{describe_field(name, error.absolute_path)}应为{' ' if names[:1].isascii() else ''}{names}，现在是{_shown(value)}"
    if "boolean" in wanted_list and value in _YAML11_BOOLEANS:
        text += "；YAML 1.1 会把它读成真假值，sqmy 不会，请写 true 或 false"
    elif "integer" in wanted_list and isinstance(value, str) and value.isdigit():
        text += "；数字不要加前导零或引号"
    elif "string" in wanted_list and isinstance(value, (int, bool)):
        text += "；如果要写成文字，请加引号"
    elif "string" in wanted_list and isinstance(value, (dict, list)):
        text += "；值里有冒号、方括号或花括号时请给整个值加引号"
    return text


def _message(name: str, error: Any) -> tuple[str, str]:
    """(rule, Chinese message) for one jsonschema error."""
    path = list(error.absolute_path)
    field = describe_field(name, path)
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(error.message)
        return "required", f"缺少必填{describe_field(name, [*path, missing])}"
    if kind == "enum":
        allowed = [str(v) for v in error.validator_value]
        hint = did_you_mean(str(error.instance), allowed)
        return "enum", (
            f"{field}的值{_shown(error.instance)}不在允许范围内，应为：{'、'.join(allowed)}"
            + (f"；{hint}" if hint else "")
        )
    if kind == "type":
        return "type", _type_message(name, error)
    if kind == "format":
        return "date-invalid", f"{field}的日期{_shown(error.instance)}无效：应为真实存在的日期，写作 YYYY-MM-DD（如 2025-03-14）"
    if kind == "pattern":
        pattern_hint = _hint(name, path)
        return "pattern", f"{field}的值{_shown(error.instance)}格式不对" + (f"：{pattern_hint}" if pattern_hint else "")
    if kind == "propertyNames":
        return "pattern", f"{field}的键{_shown(error.instance)}格式不对：应为四位年份"
    if kind in ("minItems", "minLength"):
        return "empty", f"{field}不能为空"
    if kind == "maxLength":
        return "too-long", f"{field}太长：不超过 {error.validator_value} 个字"
    if kind == "uniqueItems":
        return "duplicate", f"{field}中有重复的值"
    if kind in ("minimum", "maximum"):
        return "range", f"{field}的值{_shown(error.instance)}超出范围"
    return kind, f"{field}不符合格式要求（{error.message}）"


def _unknown_fields(name: str, error: Any) -> Iterator[SchemaProblem]:
    """One problem per unknown key, each at its own line, with a did-you-mean."""
    path = list(error.absolute_path)
    known = list(error.schema.get("properties", {}))
    depth = len([p for p in path if isinstance(p, str)]) + 1
    aliases = {label: key[-1] for key, (label, _) in labels(name).items() if len(key) == depth}
    for extra in error.instance:
        if extra in known:
            continue
        hint = did_you_mean(extra, known, aliases)
        yield SchemaProblem(
            (*path, extra), "unknown-field",
            f"未知字段 {field_name([*path, extra])}" + (f"，{hint}" if hint else "") + f"（允许的字段：{'、'.join(known)}）",
        )


@cache
def _field_schema(name: str, key: str) -> dict[str, Any]:
    # read afresh: the compilers annotate the schemas they are given (absolute refs), so no shared copy
    root: dict[str, Any] = json.loads(resources.files("sqmy").joinpath("schemas", f"{name}.schema.json").read_text("utf-8"))
    return {"$schema": root["$schema"], "$id": f"{root['$id']}/properties/{key}", "$defs": root["$defs"], **root["properties"][key]}


@cache
def _fast_field(name: str, key: str) -> Callable[[Any], Any]:
    compiled: Callable[[Any], Any] = fastjsonschema.compile(_field_schema(name, key), formats={"date": is_date})
    return compiled


def check_field(name: str, key: str, value: Any) -> Iterator[SchemaProblem]:
    """Problems of one top-level field's value (e.g. the reviews of an old version in the audit)."""
    try:
        _fast_field(name, key)(value)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema  # noqa: PLC0415 - only for data that fails the fast gate

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date")(is_date)
    sub = _field_schema(name, key)
    validator = jsonschema.validators.validator_for(sub)(sub, format_checker=checker)
    for error in validator.iter_errors(value):
        error.path.appendleft(key)  # name the field from the top of the item
        rule, message = _message(name, error)
        yield SchemaProblem(tuple(error.absolute_path), rule, message)


def check(name: str, data: Any) -> Iterator[SchemaProblem]:
    """Problems of `data` against schema `name`; empty when valid."""
    try:
        _fast(name)(data)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_detailed(name).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        if error.validator == "additionalProperties":
            yield from _unknown_fields(name, error)
            continue
        rule, message = _message(name, error)
        yield SchemaProblem(tuple(error.absolute_path), rule, message)
