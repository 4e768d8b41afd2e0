"""Mesa agents of the S&T market: readable views over the model's state."""

from agents.enterprise import Enterprise
from agents.intermediary import Intermediary
from agents.research import ResearchOrganisation

__all__ = ["Enterprise", "Intermediary", "ResearchOrganisation"]
