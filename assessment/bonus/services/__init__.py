"""Writes and reads for what the KPI results feed (SPEC §6): bonus rule versions, quarterly
proposals with approval and corrections, per-employee adjustments, promotion eligibility and
training needs.

Permission checks live inside the operations (supervisor for every write), so the pages and
any later API or task follow the same rule. The rule arithmetic is in assessment/bonus.py.
"""
from .. import rules as bonus  # noqa: F401  (re-exported: the views reach the pure rules through here)
from ._common import (  # noqa: F401
    BonusConfirmationRequired,
    BonusCorrectionInvalid,
    BonusNoRules,
    BonusNothingToApprove,
    BonusRulesInvalid,
    can_export_for_hr,
    can_manage_results,
    table_csv,
    table_xlsx,
)
from .promotion import (  # noqa: F401
    PROMOTION_HEADER,
    EmployeeReview,
    PromotionReport,
    promotion_csv,
    promotion_review,
    promotion_thresholds,
    promotion_xlsx,
)
from .proposals import (  # noqa: F401
    PAYROLL_HEADER,
    bonus_proposal_correct,
    bonus_proposal_run,
    bonus_proposals_current,
    bonus_quarter_approve,
    department_evaluate,
    employee_adjustments,
    payroll_csv,
    payroll_xlsx,
    quarter_pending_cases,
)
from .rulesets import (  # noqa: F401
    rule_set_check,
    rule_set_create,
    rule_set_in_force,
    rule_set_tiers,
    tier_conditions,
    tier_from_data,
)
from .training import (  # noqa: F401
    training_effect,
    training_needs,
    training_plan_complete,
    training_plan_create,
    training_topics,
)
