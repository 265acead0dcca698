"""Routing rules: the admin document, its compilation and evaluation, the legacy import."""

from email_processing.rules.engine import (
    CompiledRules,
    RoutingDecision,
    TraceEntry,
    compile_rules,
    evaluate,
)
from email_processing.rules.legacy import (
    UnusableWebhook,
    expand_webhook_url,
    import_legacy_rules,
    mask_url,
)
from email_processing.rules.models import (
    FIELDS,
    Condition,
    DefaultRoute,
    Operator,
    Priority,
    Rule,
    RuleActions,
    RuleSet,
    WindowPolicy,
)

__all__ = [
    "FIELDS",
    "CompiledRules",
    "Condition",
    "DefaultRoute",
    "Operator",
    "Priority",
    "RoutingDecision",
    "Rule",
    "RuleActions",
    "RuleSet",
    "TraceEntry",
    "UnusableWebhook",
    "WindowPolicy",
    "compile_rules",
    "evaluate",
    "expand_webhook_url",
    "import_legacy_rules",
    "mask_url",
]
