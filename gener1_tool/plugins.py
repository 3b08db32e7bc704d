"""The plugin manager: built-ins registered by module, third-party plugins by entry-point group ``gener1``."""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from functools import lru_cache

import pluggy

from . import hookspecs
from .errors import Gener1Error

# Built-in modules, registered exactly like third-party plugins. Later issues add to this list.
BUILTIN_MODULES = (
    "gener1_tool.knowledge.sources",
    "gener1_tool.similarity.encoders",
    "gener1_tool.enrichment.methods",
    "gener1_tool.training.rewards",
    "gener1_tool.reasoning.teachers",
)

KINDS = {
    "knowledge_sources": "register_knowledge_sources",
    "reward_terms": "register_reward_terms",
    "enrichment_methods": "register_enrichment_methods",
    "encoders": "register_encoders",
    "teachers": "register_teachers",
}


@lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("gener1")
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # that built-in area is not written yet
                continue
            raise
        pm.register(module, name=module_name)
    pm.load_setuptools_entrypoints("gener1")
    return pm


def registry(kind: str) -> dict:
    """Everything plugins registered for one kind (``knowledge_sources``, ``encoders``, ...), by name."""
    if kind not in KINDS:
        raise Gener1Error(f"unknown plugin kind {kind!r}; expected one of {', '.join(KINDS)}")
    found: dict = {}

    def register(thing):
        name = getattr(thing, "name", None)
        if not name:
            raise Gener1Error(f"a plugin registered {thing!r} for {kind} without a 'name'")
        found[name] = thing

    # get_hookimpls() lists implementations in registration order: built-ins first, so third parties override.
    for impl in getattr(get_plugin_manager().hook, KINDS[kind]).get_hookimpls():
        impl.function(register=register)
    return found


def get(kind: str, name: str):
    things = registry(kind)
    if name not in things:
        raise Gener1Error(f"no {kind.replace('_', ' ')[:-1]} named {name!r}; available: {', '.join(sorted(things)) or 'none'}")
    return things[name]


@dataclass
class PluginInfo:
    name: str
    version: str | None
    hooks: list[str]
    builtin: bool


def plugins() -> list[PluginInfo]:
    """Every loaded plugin with its version and the hooks it implements (what `gener1 plugins` lists)."""
    pm = get_plugin_manager()
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        infos.append(
            PluginInfo(
                name=dist.project_name if dist else name,
                version=dist.version if dist else None,
                hooks=hooks,
                builtin=name in BUILTIN_MODULES,
            )
        )
    return infos
