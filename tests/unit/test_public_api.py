"""The public surface: a sorted, importable ``__all__`` and a consistent error tree."""

from __future__ import annotations
import __future__

import inspect
import types

import vecstore_lab as vl
import vecstore_lab.testing
import vecstore_lab.widgets
from vecstore_lab import errors, filters, results


def isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_sorted_and_importable() -> None:
    for module in (
        vl,
        errors,
        filters,
        results,
        vl.embedders,
        vl.rerankers,
        vl.testing,
        vecstore_lab.widgets,
        vl.telemetry,
    ):
        names = module.__all__
        assert names == sorted(names, key=isort_key), module.__name__
        for name in names:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def public_names(module: types.ModuleType) -> set[str]:
    """What ``from module import *`` would offer without ``__all__``: no modules, no
    ``from __future__`` features, nothing starting with an underscore."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | __future__._Feature)
    }


def test_all_is_exactly_the_public_names() -> None:
    exported = {n for n in vl.__all__ if not isinstance(getattr(vl, n), types.ModuleType)}
    assert exported - {"__version__"} == public_names(vl)
    assert set(errors.__all__) == public_names(errors)


def test_everything_a_subpackage_defines_is_exported() -> None:
    for module in (filters, results, vl.embedders, vl.rerankers, vl.telemetry, vl.widgets):
        defined = {
            name
            for name in public_names(module)
            if getattr(getattr(module, name), "__module__", "").startswith(module.__name__)
        }
        assert defined <= set(module.__all__), (module.__name__, defined - set(module.__all__))


def test_error_tree() -> None:
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__
    ]
    assert set(errors.__all__) == {c.__name__ for c in classes}
    for cls in classes:
        if issubclass(cls, Warning):  # warnings live in the same tree, named as such
            assert cls.__name__.endswith("Warning") and issubclass(cls, UserWarning)
        else:
            assert cls.__name__.endswith("Error")
            assert issubclass(cls, errors.VecStoreError)
        assert cls.__name__ in errors.__doc__  # the tree in the docstring is complete
    assert issubclass(errors.CollectionNotFoundError, LookupError)
    assert issubclass(errors.InvalidFilterError, ValueError)
    assert issubclass(errors.MetadataTypeError, TypeError)
    assert issubclass(errors.MissingDependencyError, ImportError)


def test_version_and_typed_marker() -> None:
    from importlib.resources import files

    assert vl.__version__
    assert files("vecstore_lab").joinpath("py.typed").is_file()
