"""The protocol's names come from the schema's enums, in the order the code relies on."""

from __future__ import annotations

from sqmy import chain, schema


def test_protocol_names_mean_what_the_code_compares_with() -> None:
    # the code compares with these names; if the schema's enums were reordered, a name would silently change meaning
    assert (schema.FIRST, schema.SECOND, schema.FINAL) == ("初审", "复审", "审定")
    assert schema.EXPERT_STAGE == "联合复核"
    assert (schema.PASS, schema.RETURN, schema.REJECT, schema.REFER) == ("通过", "退回修改", "不予上报", "联合复核")
    assert (schema.DIRECT, schema.REFERRAL, schema.TRANSFER) == ("直报", "参阅", "转办")
    assert (schema.INTERNAL, schema.PUBLIC) == ("内部", "公开")
    assert (schema.EXPERT, schema.OFFICE) == ("专家", "办公室")
    assert schema.EXPERT_KIND == "专家"
    assert schema.REOPEN == "重新审核"


def test_every_stage_has_the_role_that_may_record_it() -> None:
    assert set(chain.ROLE_OF_STAGE) == set(schema.STAGES) | {schema.REOPEN}
    assert set(chain.ROLE_OF_STAGE.values()) <= set(schema.ROLES)
    assert chain.ROLE_OF_STAGE[schema.EXPERT_STAGE] == schema.EXPERT
    assert chain.ROLE_OF_STAGE[schema.REOPEN] == schema.OFFICE


def test_the_chain_is_the_stages_without_the_experts() -> None:
    assert [s for s in schema.STAGES if s != schema.EXPERT_STAGE] == list(schema.CHAIN_STAGES)
