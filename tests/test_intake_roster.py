"""intake/roster.py: units/people.yml text, edited in place and proposed for a new reporter."""

from __future__ import annotations

import pytest

from sqmy.errors import SqmyError
from sqmy.intake.roster import add_phone, proposal

PHONE = "13812345678"


def test_add_phone_keeps_every_other_byte() -> None:
    block = "# 人员\n- id: a\n  name: 甲\n  email: a@x.cn  # 邮箱\n  roles:\n    - {role: 初审, from: 2024-01-01}\n- id: b\n  name: 乙\n  email: b@x.cn\n"
    assert add_phone(block, "a", PHONE) == block.replace("  roles:", f'  phone: "{PHONE}"\n  roles:')
    assert add_phone(block, "b", PHONE) == block + f'  phone: "{PHONE}"\n'
    no_newline = block.rstrip("\n")
    assert add_phone(no_newline, "b", PHONE) == no_newline + f'\n  phone: "{PHONE}"\n'
    flow = "- {id: a, name: 甲, email: a@x.cn }\n- {id: b, name: 乙}\n"
    assert add_phone(flow, "a", PHONE) == f'- {{id: a, name: 甲, email: a@x.cn, phone: "{PHONE}" }}\n- {{id: b, name: 乙}}\n'
    crlf = block.replace("\n", "\r\n")
    assert add_phone(crlf, "a", PHONE) == crlf.replace("  roles:", f'  phone: "{PHONE}"\r\n  roles:')
    empty = "- id: a\n  phone: null\n  name: 甲\n"
    assert add_phone(empty, "a", PHONE) == f'- id: a\n  phone: "{PHONE}"\n  name: 甲\n'


def test_people_file_with_an_alias_is_not_edited() -> None:
    text = "- &p {id: li-chu, name: 李初}\n- *p\n"
    with pytest.raises(SqmyError, match="格式错误"):
        add_phone(text, "li-chu", "13912345678")


def test_proposal_without_unit_or_description_says_what_to_fill_in() -> None:
    assert proposal("钱多多", "", None, None).splitlines() == [
        '- id: ""                # 填姓名拼音，如 zhang-san',
        "  name: 钱多多",
        "  kind: 委员                # 委员、机关干部、特约信息员或专家",
        '  unit: ""                # 所在单位编号，见 units/units.yml',
    ]
