"""Mesa agents of the S&T market: readable views over the model's state."""

if __name__ != "stmarket.agents":  # the source folder imported by its bare name
    raise ImportError(
        "this folder is the package stmarket.agents: install the project "
        "(pip install -e .) and import stmarket.agents"
    )


if __name__ != "stmarket.agents":  # the source folder imported by its bare name
    raise ImportError(
        "this folder is the package stmarket.agents: install the project "
        "(pip install -e .) and import stmarket.agents"
    )


from stmarket.agents.enterprise import Enterprise
from stmarket.agents.intermediary import Intermediary
from stmarket.agents.research import ResearchOrganisation

__all__ = ["Enterprise", "Intermediary", "ResearchOrganisation"]
