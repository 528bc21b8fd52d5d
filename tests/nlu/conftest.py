import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource


@pytest.fixture
def model_storage(tmp_path):
    directory = tmp_path / "storage"
    directory.mkdir()
    return LocalModelStorage(directory)


@pytest.fixture
def execution_context():
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture
def resource():
    return Resource("component")
