"""A name → factory registry shared by embedders and rerankers."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from vecstore_lab.errors import InvalidInputError, UnknownComponentError

T = TypeVar("T")
Factory = Callable[..., T]


class Registry(Generic[T]):
    """Maps names to factories.

    Built-ins are given as lazy ``"module:attr"`` paths so that looking up one provider never
    imports another's heavy dependencies. Third-party packages register through the Python
    entry-point group ``group``, which is read once, on the first lookup that needs it.
    """

    def __init__(
        self,
        kind: str,
        group: str,
        builtins: dict[str, str] | None = None,
        *,
        protocol: type[Any] | None = None,
        error: type[Exception] = TypeError,
    ) -> None:
        self.kind = kind
        self.group = group
        self.protocol = protocol  # a runtime-checkable Protocol every built object must satisfy
        self.error = error
        self._lazy: dict[str, str] = dict(builtins or {})
        self._factories: dict[str, Factory[T]] = {}
        self._entry_points_loaded = False
        self._lock = threading.Lock()

    def register(
        self, name: str, factory: Factory[T] | None = None, *, overwrite: bool = False
    ) -> Any:
        """Register ``factory`` under ``name``; usable as a decorator when factory is omitted."""

        def decorator(f: Factory[T]) -> Factory[T]:
            with self._lock:
                if not overwrite and (name in self._factories or name in self._lazy):
                    raise InvalidInputError(
                        f"a {self.kind} named {name!r} is already registered; "
                        "pass overwrite=True to replace it"
                    )
                self._lazy.pop(name, None)
                self._factories[name] = f
            return f

        if factory is not None:
            return decorator(factory)
        return decorator

    def unregister(self, name: str) -> None:
        """Forget ``name`` (a no-op if it is not registered)."""
        with self._lock:
            self._factories.pop(name, None)
            self._lazy.pop(name, None)

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self._load_entry_points()
        return sorted({*self._factories, *self._lazy})

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def factory(self, name: str) -> Factory[T]:
        """The factory registered under ``name``, importing it if it is a lazy built-in."""
        if name not in self._factories and name not in self._lazy:
            self._load_entry_points()
        if name in self._factories:
            return self._factories[name]
        if name in self._lazy:
            module_name, _, attr = self._lazy[name].partition(":")
            factory: Factory[T] = getattr(importlib.import_module(module_name), attr)
            with self._lock:
                self._factories[name] = factory
                self._lazy.pop(name, None)
            return factory
        raise UnknownComponentError(
            f"no {self.kind} is registered as {name!r}; available: {', '.join(self.names())}. "
            f"Register your own with register_{self.kind}({name!r}, factory)."
        )

    def create(self, name: str, **config: Any) -> T:
        """Build the component registered as ``name`` with keyword ``config``.

        Raises ``self.error`` when the factory builds something lacking ``self.protocol``.
        """
        built = self.factory(name)(**config)
        if self.protocol is not None and not isinstance(built, self.protocol):
            members = ", ".join(
                sorted(
                    {*getattr(self.protocol, "__annotations__", {})}
                    | {n for n in vars(self.protocol) if not n.startswith("_")}
                )
            )
            raise self.error(
                f"the factory registered as {name!r} returned {type(built).__name__}, which "
                f"lacks the {self.protocol.__name__} protocol ({members})"
            )
        return built

    def _load_entry_points(self) -> None:
        with self._lock:
            if self._entry_points_loaded:
                return
            for ep in entry_points(group=self.group):
                if ep.name not in self._factories:
                    self._lazy.setdefault(ep.name, ep.value)
            self._entry_points_loaded = True
