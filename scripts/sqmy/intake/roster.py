"""units/people.yml as text: the entry proposed for an unknown reporter, and a
phone added to a known one.

The registry is edited in place so that the office's comments and layout
survive.  This is the one place sqmy edits it: registry.py and yamlsrc.py only
read YAML, generate.py writes whole files of its own.  frontmatter.FrontMatter,
which edits items in place, works line by line on the top-level keys of a
front matter block; people.yml is a list whose entries are block or flow
mappings, and the phone goes inside one of them.  So this edit is placed by
PyYAML's node positions, and checked by reading the file again: the registry
is shared, and a refused edit is better than a damaged one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .. import schema, yamlsrc
from ..errors import SqmyError
from . import new as newitem


def proposal(name: str, description: str, unit: str | None, phone: str | None) -> str:
    """A people.yml entry for an unknown reporter, to complete and paste."""
    kind = schema.MEMBER_KIND if schema.MEMBER_KIND in description or not description else schema.INFORMANT_KIND
    lines = [
        '- id: ""                # 填姓名拼音，如 zhang-san',
        f"  name: {newitem.yaml_scalar(name)}",
        f"  kind: {kind}                # 委员、机关干部、特约信息员或专家",
        f'  unit: {unit or chr(34) * 2}' + ("" if unit else "                # 所在单位编号，见 units/units.yml"),
    ]
    if description:
        lines.append(f"  title: {newitem.yaml_scalar(description)}")
    # no email: only people with a review or office role need one (they commit); a writer does not
    if phone:
        lines.append(f'  phone: "{phone}"')
    return "\n".join(lines)


def add_phone(text: str, person_id: str, phone: str) -> str:
    """people.yml with `phone` set for `person_id`, by inserting one line (or one
    flow entry): every other byte stays, comments and layout included."""
    if yamlsrc.load(text).errors:  # anchors, tags, duplicates …: nothing to build on
        raise SqmyError("units/people.yml 有格式错误，无法自动登记电话")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise SqmyError("units/people.yml 有格式错误，无法自动登记电话") from None
    if not isinstance(root, yaml.SequenceNode):
        raise SqmyError("units/people.yml 不是人员列表，无法自动登记电话")
    newline = "\r\n" if "\r\n" in text else "\n"
    quoted = f'"{phone}"'
    for entry in root.value:
        if not isinstance(entry, yaml.MappingNode):
            continue
        keys: dict[str, tuple[yaml.Node, yaml.Node]] = {str(k.value): (k, v) for k, v in entry.value if isinstance(k, yaml.ScalarNode)}
        id_node = keys.get("id", (None, None))[1]
        if not isinstance(id_node, yaml.ScalarNode) or id_node.value != person_id:
            continue
        if "phone" in keys:
            value = keys["phone"][1]
            start, end = value.start_mark.index, value.end_mark.index
            new = text[:start] + (quoted if end > start else " " + quoted) + text[end:]
        elif entry.flow_style:
            close = entry.end_mark.index - 1
            while close > 0 and text[close - 1] in " \t":
                close -= 1
            new = text[:close] + f", phone: {quoted}" + text[close:]
        else:
            new = _insert_block_key(text, entry, keys, f"phone: {quoted}", newline)
        _check_edit(text, new, person_id, phone)
        return new
    raise SqmyError(f"units/people.yml 中找不到人员“{person_id}”")


def _insert_block_key(text: str, entry: yaml.MappingNode, keys: dict[str, tuple[yaml.Node, yaml.Node]], line: str, newline: str) -> str:
    first_key = entry.value[0][0]
    indent = " " * int(first_key.start_mark.column)
    if "roles" in keys:  # the registry's order: contact data, then roles
        key = keys["roles"][0]
        line_start = text.rfind("\n", 0, key.start_mark.index) + 1
        if not text[line_start:key.start_mark.index].strip():
            return text[:line_start] + indent + line + newline + text[line_start:]
    last = entry.value[-1][1]
    end = last.end_mark.index
    if last.end_mark.column == 0:  # a nested block ends at the start of the next line
        return text[:end] + indent + line + newline + text[end:]
    stop = text.find("\n", end)
    if stop < 0:
        return text + newline + indent + line + newline
    return text[: stop + 1] + indent + line + newline + text[stop + 1:]


def _check_edit(old: str, new: str, person_id: str, phone: str) -> None:
    """The edit must change exactly one thing: refuse rather than damage the registry."""
    try:
        before, after = yaml.safe_load(old), yaml.safe_load(new)
    except yaml.YAMLError:
        after = None
        before = []
    expected = [dict(e, phone=phone) if isinstance(e, dict) and e.get("id") == person_id else e for e in before or []]
    if after != expected:
        raise SqmyError("无法自动把电话登记到 units/people.yml（文件的写法特殊）；请手动添加 phone 一行")


# --- many edits at once: the roster imported from a spreadsheet ---------------
#
# The same approach as add_phone, for whole sets of changes: every change is a
# splice of the original text placed by PyYAML's node positions (a value
# replaced, a key or a list entry inserted, an entry appended), all computed on
# one reading of the file and applied from the end; then the result is read
# again and must hold exactly the data expected, or nothing is written.


@dataclass(frozen=True)
class Edit:
    """What to change in one entry of a registry list (people.yml, units.yml), found by its id."""

    entry_id: str
    set: Mapping[str, Any] = field(default_factory=dict)  # top-level keys: a scalar, or a list / mapping written in flow style
    nested: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # keys inside a mapping value (quota: {"2026": 5})
    append: Mapping[str, Sequence[Any]] = field(default_factory=dict)  # entries added to a list value (roles)


_DATE_TEXT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def render(value: Any, key: str = "") -> str:
    """One value as the registry writes it: flow style for lists and mappings, phones quoted, dates plain."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render(k)}: {render(v, str(k))}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if key == "phone" and isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, str) and (_DATE_TEXT.match(value) or re.fullmatch(r"[0-9]{4}", value)):
        return value  # dates and years stay text for sqmy's reader, which resolves neither
    if isinstance(value, str):  # quoted as a flow collection needs it (a plain 书记, 主任 would split in {…})
        inside: str = yaml.safe_dump([value], allow_unicode=True, default_flow_style=True, width=1_000_000).strip()
        return inside[1:-1]
    return newitem.yaml_scalar(value)


def edit_registry(text: str, shown: str, edits: Sequence[Edit], additions: Sequence[Mapping[str, Any]]) -> str:
    """`text` (a registry list) with `edits` made and `additions` appended; every other byte stays.

    Refuses (SqmyError) rather than damage the file: what the new text reads as
    must be the old data with exactly these changes."""
    if not edits and not additions:
        return text
    doc = yamlsrc.load(text)
    if doc.errors or not isinstance(doc.data, list):
        raise SqmyError(f"{shown} 有格式错误或不是列表，无法自动修改；请先运行 sqmy validate 并修正")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
    except yaml.YAMLError:
        raise SqmyError(f"{shown} 有格式错误，无法自动修改") from None
    entries = root.value if isinstance(root, yaml.SequenceNode) else []
    by_id: dict[str, yaml.MappingNode] = {}
    for entry in entries:
        if isinstance(entry, yaml.MappingNode):
            id_node = _keys(entry).get("id", (None, None))[1]
            if isinstance(id_node, yaml.ScalarNode):
                by_id.setdefault(id_node.value, entry)
    newline = "\r\n" if "\r\n" in text else "\n"
    splices: list[tuple[int, int, str]] = []
    for change in edits:
        entry = by_id.get(change.entry_id)
        if entry is None:
            raise SqmyError(f"{shown} 中找不到“{change.entry_id}”")
        keys = _keys(entry)
        for key, value in change.set.items():
            splices.append(_set_key(text, entry, keys, key, render(value, key), newline))
        for key, inner in change.nested.items():
            if key not in keys or not isinstance(keys[key][1], yaml.MappingNode):
                splices.append(_set_key(text, entry, keys, key, render(dict(inner)), newline))
                continue
            node = keys[key][1]
            assert isinstance(node, yaml.MappingNode)
            for inner_key, inner_value in inner.items():
                splices.append(_set_key(text, node, _keys(node), inner_key, render(inner_value, inner_key), newline))
        for key, values in change.append.items():
            if key not in keys or not isinstance(keys[key][1], yaml.SequenceNode):
                splices.append(_set_key(text, entry, keys, key, _block_list(entry, values, newline), newline))
                continue
            node = keys[key][1]
            assert isinstance(node, yaml.SequenceNode)
            splices.append(_append_item(text, node, values, newline))
    new = _apply(text, splices)
    if additions:
        flow = bool(entries) and isinstance(entries[0], yaml.MappingNode) and entries[0].flow_style
        if new and not new.endswith(("\n", "\r")):
            new += newline
        new += "".join(_new_entry(a, flow, newline) for a in additions)
    _check_edits(doc.data, new, shown, edits, additions)
    return new


def _keys(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _line_start(text: str, index: int) -> int:
    """`index`, or the start of its line when only indentation is before it there."""
    start = text.rfind("\n", 0, index) + 1
    return start if not text[start:index].strip() else index


def _set_key(text: str, node: yaml.MappingNode, keys: dict[str, tuple[yaml.Node, yaml.Node]], key: str, rendered: str, newline: str) -> tuple[int, int, str]:
    """The splice that gives `key` the value `rendered` in mapping `node` (block or flow).

    `rendered` is one flow value, or block lines starting with a newline (a new roles list)."""
    block = rendered.startswith(newline)
    if key in keys:
        key_node, value = keys[key]
        colon = text.index(":", key_node.end_mark.index)
        if isinstance(value, yaml.ScalarNode) or (isinstance(value, yaml.CollectionNode) and value.flow_style):
            start, end = value.start_mark.index, value.end_mark.index
            if end <= start:  # `phone:` with nothing after it
                return colon + 1, colon + 1, rendered if block else " " + rendered
            return start, end, rendered
        end = _line_start(text, value.end_mark.index)  # a block list or mapping: replaced whole, up to its last line
        return colon + 1, end, (rendered if block else " " + rendered) + (newline if end < value.end_mark.index or text[end - 1:end] == "\n" else "")
    if node.flow_style:
        close = node.end_mark.index - 1
        while close > 0 and text[close - 1] in " \t":
            close -= 1
        separator = ", " if node.value else ""
        return close, close, f"{separator}{render(key)}: {rendered}"
    return _insert_line(text, node, keys, f"{render(key)}:" + (rendered if block else f" {rendered}"), newline)


# the order of an entry's keys in the registry files: a new key goes before the first one after it
_ORDER = ("id", "name", "short", "kind", "unit", "title", "email", "github", "gitea", "ssh_key", "phone", "informant", "quota", "informants", "roles")


def _insert_line(text: str, node: yaml.MappingNode, keys: dict[str, tuple[yaml.Node, yaml.Node]], line: str, newline: str) -> tuple[int, int, str]:
    """A new `key: value` line in block mapping `node`: in the registry's order (contact data before the roles), else at its end."""
    indent = " " * int(node.value[0][0].start_mark.column)
    new_key = line.split(":", 1)[0]
    if new_key in _ORDER:  # before the first key that comes after it in the registry's order
        later = [k for k in keys if k in _ORDER and _ORDER.index(k) > _ORDER.index(new_key)]
        if later:
            key = keys[later[0]][0]
            start = text.rfind("\n", 0, key.start_mark.index) + 1
            if not text[start:key.start_mark.index].strip():
                return start, start, indent + line + newline
    end = _line_start(text, node.value[-1][1].end_mark.index)
    if end == 0 or text[end - 1:end] == "\n":
        return end, end, indent + line + newline
    stop = text.find("\n", end)
    if stop < 0:
        return len(text), len(text), newline + indent + line + newline
    return stop + 1, stop + 1, indent + line + newline


def _block_list(entry: yaml.MappingNode, values: Sequence[Any], newline: str) -> str:
    """A list value in block style under a new key of `entry` (roles:), or in flow style inside a flow entry."""
    if entry.flow_style:
        return render(list(values))
    indent = " " * (int(entry.value[0][0].start_mark.column) + 2)
    return "".join(f"{newline}{indent}- {render(v)}" for v in values)


def _append_item(text: str, node: yaml.SequenceNode, values: Sequence[Any], newline: str) -> tuple[int, int, str]:
    if node.flow_style:
        close = node.end_mark.index - 1
        while close > 0 and text[close - 1] in " \t":
            close -= 1
        separator = ", " if node.value else ""
        return close, close, separator + ", ".join(render(v) for v in values)
    first = node.value[0]
    dash = text.rfind("-", 0, first.start_mark.index)
    indent = " " * (dash - (text.rfind("\n", 0, dash) + 1))
    end = _line_start(text, node.value[-1].end_mark.index)
    lines = "".join(f"{indent}- {render(v)}{newline}" for v in values)
    if end == 0 or text[end - 1:end] == "\n":
        return end, end, lines
    stop = text.find("\n", end)
    if stop < 0:
        return len(text), len(text), newline + lines
    return stop + 1, stop + 1, lines


def _apply(text: str, splices: list[tuple[int, int, str]]) -> str:
    """The splices applied from the end, so that each position still means the original text;
    insertions at one place keep the order they were asked in."""
    groups: dict[tuple[int, int], list[str]] = {}
    for start, end, replacement in splices:
        groups.setdefault((start, end), []).append(replacement)
    out, cursor = [], len(text)
    for start, end in sorted(groups, reverse=True):
        if end > cursor:
            raise SqmyError("无法自动修改名册（两处修改重叠）；未写入任何内容，请手动修改")
        out += [text[end:cursor], "".join(groups[(start, end)])]
        cursor = start
    out.append(text[:cursor])
    return "".join(reversed(out))


def _new_entry(entry: Mapping[str, Any], flow: bool, newline: str) -> str:
    if flow:
        return "- {" + ", ".join(f"{k}: {render(v, k)}" for k, v in entry.items()) + "}" + newline
    lines = []
    for n, (key, value) in enumerate(entry.items()):
        lead = "- " if n == 0 else "  "
        if key == "roles" and isinstance(value, list):
            lines.append(f"{lead}{key}:")
            lines += [f"    - {render(v)}" for v in value]
        else:
            lines.append(f"{lead}{key}: {render(value, key)}")
    return newline.join(lines) + newline


def _check_edits(before: list[Any], new: str, shown: str, edits: Sequence[Edit], additions: Sequence[Mapping[str, Any]]) -> None:
    """The new text must read as the old data with exactly these changes."""
    expected = [dict(e) if isinstance(e, dict) else e for e in before]
    by_id = {e.get("id"): e for e in expected if isinstance(e, dict)}
    for change in edits:
        entry = by_id[change.entry_id]
        entry.update(_plain(dict(change.set)))
        for key, inner in change.nested.items():
            old = entry.get(key)
            entry[key] = {**(old if isinstance(old, dict) else {}), **_plain(dict(inner))}
        for key, values in change.append.items():
            old = entry.get(key)
            entry[key] = [*(old if isinstance(old, list) else []), *_plain(list(values))]
    expected += [_plain(dict(a)) for a in additions]
    after = yamlsrc.load(new)
    if after.errors or after.data != expected:
        raise SqmyError(f"无法自动修改 {shown}（文件的写法特殊）；未写入任何内容，请手动修改")


def _plain(value: Any) -> Any:
    """A value as sqmy's reader gives it back: mapping keys are text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
