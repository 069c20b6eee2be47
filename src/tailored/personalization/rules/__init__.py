"""The offline rules adapter (see docs/authoring.md for the annotations it reads)."""

from tailored.personalization.rules.adapter import RulesAdapter

__all__ = ["RulesAdapter"]
