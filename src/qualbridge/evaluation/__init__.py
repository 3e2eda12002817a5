"""evaluate(profile, evidence) → Evaluation: verdicts, margins, gaps with concrete actions."""

from qualbridge.evaluation.engine import evaluate
from qualbridge.evaluation.result import Evaluation, RequirementResult, Verdict

__all__ = ["Evaluation", "RequirementResult", "Verdict", "evaluate"]
