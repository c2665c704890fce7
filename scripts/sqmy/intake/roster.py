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
    lines.append('  email: ""             # 填邮箱')
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
