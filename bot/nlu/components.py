"""What the project's graph components share: made from their configuration, files in the model."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

T = TypeVar("T")


class ConfiguredComponent(GraphComponent):
    """A graph component made from its configuration alone: its defaults, then the model's."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        """Create the component from ``get_default_config()`` updated with ``config``."""
        return cls({**cls.get_default_config(), **config})


def read_stored(
    model_storage: ModelStorage, resource: Resource, read: Callable[[Path], T]
) -> T | None:
    """What ``read`` makes of a component's directory in the model; None when nothing usable.

    A missing directory or file (``FileNotFoundError``), or content ``read`` refuses
    (``ValueError``), means the component stored nothing usable.
    """
    try:
        with model_storage.read_from(resource) as directory:
            return read(Path(directory))
    except (ValueError, FileNotFoundError):
        return None


class StoredComponent(GraphComponent, Generic[T]):
    """A graph component that keeps what it learnt in its directory of the model.

    ``load`` reads the directory with ``read_files`` and rebuilds the component with
    ``from_stored``; when the model holds nothing usable, it calls ``nothing_stored`` and makes
    the component afresh with ``create``.
    """

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Self:
        """Rebuild the component from what it stored with the model."""
        config = {**cls.get_default_config(), **config}
        stored = read_stored(model_storage, resource, cls.read_files)
        if stored is None:
            cls.nothing_stored()
            fresh: Self = cls.create(config, model_storage, resource, execution_context)
            return fresh
        return cls.from_stored(config, model_storage, resource, stored)

    @classmethod
    @abstractmethod
    def read_files(cls, directory: Path) -> T:
        """What the component stored in ``directory`` (``ValueError``: unusable)."""

    @classmethod
    @abstractmethod
    def from_stored(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, stored: T
    ) -> Self:
        """The component rebuilt from ``read_files``' result."""

    @classmethod
    def nothing_stored(cls) -> None:
        """Called when the model holds nothing usable for the component; does nothing."""
