"""Material and conformity declarations: a stated fact the supplier must declare."""

from __future__ import annotations

from collections.abc import Sequence

from qualbridge.evaluation.checks._common import result
from qualbridge.evaluation.registry import Context, check, latest
from qualbridge.evaluation.result import RequirementResult
from qualbridge.evidence.models import MaterialDeclaration
from qualbridge.standards.requirements import DeclarationRequirement
from qualbridge.text import Text


@check(
    "declaration",
    evidence=("material_declaration",),
    missing_action=(
        "provide a signed material declaration",
        "请提供已签署的材料声明",
    ),
)
def check_declaration(
    req: DeclarationRequirement, candidates: Sequence[MaterialDeclaration], ctx: Context
) -> RequirementResult:
    declaring = [d for d in candidates if req.statement in d.statements]
    if not declaring:
        return result(
            req,
            verdict="missing",
            evidence=candidates,
            message=Text.of(
                f"no declaration states {req.statement!r}",
                f"没有声明涉及 {req.statement!r}",
            ),
            action=Text.of(
                f"add the statement {req.statement!r} to the material declaration",
                f"请在材料声明中加入 {req.statement!r} 项",
            ),
        )
    decl = latest(declaring)
    assert isinstance(decl, MaterialDeclaration)
    stated = decl.statements[req.statement]
    if stated == req.expected:
        return result(
            req,
            verdict="pass",
            evidence=[decl],
            message=Text.of(
                f"declared {req.statement} = {str(stated).lower()}",
                f"已声明 {req.statement} = {str(stated).lower()}",
            ),
        )
    return result(
        req,
        verdict="fail",
        evidence=[decl],
        message=Text.of(
            f"declared {req.statement} = {str(stated).lower()}, required {str(req.expected).lower()}",
            f"声明 {req.statement} = {str(stated).lower()}，要求为 {str(req.expected).lower()}",
        ),
        action=Text.of(
            f"change the material or process so that {req.statement} = "
            f"{str(req.expected).lower()} can be declared",
            f"更换材料或工艺，使 {req.statement} = {str(req.expected).lower()} 可被声明",
        ),
    )
