"""The plugin registry: built-ins, hook specs, and a real third-party plugin installed from plugins/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pluggy
import pytest

from gener1_tool import hookspecs, plugins
from gener1_tool.knowledge.build import SourceSpec, kb_build
from gener1_tool.knowledge.store import KnowledgeBase

ROOT = Path(__file__).parent.parent
PLUGIN_DIR = ROOT / "plugins" / "gener1-hgnc-groups"
DATA = ROOT / "test-data" / "kb"


def test_hookspecs_cover_every_extension_point():
    specs = {name for name in dir(hookspecs) if name.startswith("register_")}
    assert specs == {"register_knowledge_sources", "register_reward_terms", "register_enrichment_methods",
                     "register_encoders", "register_teachers"}
    for name in specs:
        assert getattr(hookspecs, name).__doc__.strip(), f"{name} needs a docstring"
    assert set(plugins.KINDS.values()) == specs


def test_builtin_knowledge_sources_registered():
    sources = plugins.registry("knowledge_sources")
    assert {"go_db", "go_obo", "org_db", "gene_info", "gene2go", "gaf", "gmt", "corum", "ctd_chemicals", "ctd_diseases",
            "panther", "uniprot", "hpo"} <= set(sources)
    with pytest.raises(Exception, match="unknown plugin kind"):
        plugins.registry("nonsense")


def test_example_plugin_registered_directly_adds_a_source(tmp_path, monkeypatch):
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        import gener1_hgnc_groups
    finally:
        sys.path.remove(str(PLUGIN_DIR))
    pm = plugins.get_plugin_manager()
    if not pm.is_registered(gener1_hgnc_groups) and "hgnc_groups" not in dict(pm.list_name_plugin()):
        pm.register(gener1_hgnc_groups, name="test-hgnc")
    assert "hgnc_groups" in plugins.registry("knowledge_sources")
    out = tmp_path / "kb.sqlite"
    kb_build([SourceSpec.parse(f"gene_info={DATA / 'Homo_sapiens.gene_info'}"),
              SourceSpec.parse(f"hgnc_groups={DATA / 'hgnc_complete_set.txt'}")], out)
    kb = KnowledgeBase(out)
    groups = kb.gene_sets("HGNC_GROUP")
    assert groups["HGNC_GROUP:733"] == {"SEPTIN7"} and groups["HGNC_GROUP:1207"] == {"PEX1"}
    assert kb.term("HGNC_GROUP:413").name == "AAA ATPases"
    assert ("989", "SEPTIN7", "previous", "protein-coding") in kb.alias_candidates("SEPT7")


def test_example_plugin_installs_and_is_listed_by_gener1_plugins(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(PLUGIN_DIR)], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "gener1_tool", "plugins", "--json"], capture_output=True, text=True,
                          env=env, check=True)
    listed = {p["name"]: p for p in json.loads(done.stdout)}
    assert listed["gener1-hgnc-groups"]["version"] == "0.1.0"
    assert listed["gener1-hgnc-groups"]["hooks"] == ["register_knowledge_sources"]
    assert listed["gener1-hgnc-groups"]["builtin"] is False
    table = subprocess.run([sys.executable, "-m", "gener1_tool", "plugins"], capture_output=True, text=True, env=env,
                           check=True).stdout
    assert "gener1-hgnc-groups 0.1.0" in table and "hooks: register_knowledge_sources" in table


def test_third_party_overrides_builtin_by_name():
    pm = pluggy.PluginManager("gener1")
    pm.add_hookspecs(hookspecs)

    class Builtin:
        @hookspecs.hookimpl
        def register_encoders(self, register):
            register(type("E", (), {"name": "minilm", "origin": "builtin"}))

    class ThirdParty:
        @hookspecs.hookimpl
        def register_encoders(self, register):
            register(type("E", (), {"name": "minilm", "origin": "third"}))

    pm.register(Builtin(), name="builtin")
    pm.register(ThirdParty(), name="third")
    found = {}
    for impl in pm.hook.register_encoders.get_hookimpls():
        impl.function(register=lambda t: found.__setitem__(t.name, t))
    assert found["minilm"].origin == "third"
