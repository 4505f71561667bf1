"""The legal rules of the covenant's procedures, one module per procedure (see registry.py)."""

from webapp.domain.legal_rules import breach, case, consent, meldcode, no_consent, retention, subject_request
from webapp.domain.legal_rules.registry import RULES, Rule, check_rules, parse_rule_ids, rule

__all__ = [
    "RULES",
    "Rule",
    "breach",
    "case",
    "check_rules",
    "consent",
    "meldcode",
    "no_consent",
    "parse_rule_ids",
    "retention",
    "rule",
    "subject_request",
]
