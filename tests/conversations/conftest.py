import asyncio
import itertools

import pytest
from rasa.core.agent import Agent
from rasa.utils.endpoints import EndpointConfig

from bot.serve import install_engine_speedups
from tests.conversations.harness import Conversation

_ids = itertools.count(1)


@pytest.fixture(scope="session")
def event_loop_for_agent():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def agent(trained_model, action_server, event_loop_for_agent):
    # As bot.serve does for `make run`.
    install_engine_speedups()

    async def load():
        return Agent.load(str(trained_model), action_endpoint=EndpointConfig(url=action_server))

    return event_loop_for_agent.run_until_complete(load())


@pytest.fixture
def conversation(agent, event_loop_for_agent, request):
    sender = f"{request.node.name}-{next(_ids)}"
    return Conversation(agent, event_loop_for_agent, sender)
