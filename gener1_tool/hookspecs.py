"""Every hook a gener1 plugin can implement.

Plugins are plain modules or packages exposing functions decorated with ``@gener1_tool.hookimpl``.
Built-ins are registered exactly like third-party plugins (see ``plugins.py``), so these specs are
the whole extension surface. Each ``register_*`` hook receives a ``register`` callable; call it once
per thing you add. Things are keyed by their ``name`` attribute; a later registration with the same
name replaces an earlier one (third-party plugins load after built-ins, so they can override).
"""

from __future__ import annotations

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("gener1")
hookimpl = HookimplMarker("gener1")


@hookspec
def register_knowledge_sources(register):
    """Register knowledge-source classes for ``gener1 kb build``.

    A knowledge source is a subclass of ``gener1_tool.knowledge.sources.base.KnowledgeSource``:
    it has ``name`` (used as ``--source NAME=PATH``), ``description``, ``relation`` kinds it adds,
    and ``load(writer)`` that reads its files and writes genes, terms and gene-term annotations
    through the KB writer. It must raise ``Gener1Error`` naming file and line on malformed input.
    """


@hookspec
def register_reward_terms(register):
    """Register reward terms for ``gener1 train align`` (GRPO) and preference building (online DPO).

    A reward term is a plain callable with a ``name`` attribute, called as
    ``term(completions=[str, ...], gold_name=[str, ...], **kwargs)`` and returning one float per
    completion (TRL reward-function convention). Weights are set on the command line.
    """


@hookspec
def register_enrichment_methods(register):
    """Register enrichment methods for ``gener1 enrich --method NAME``.

    An enrichment method has ``name`` and ``run(gene_sets, libraries, background) -> list of
    per-set result tables`` (see ``gener1_tool.enrichment.methods``).
    """


@hookspec
def register_encoders(register):
    """Register sentence encoders for semantic similarity (evaluation, reasoning filter, rewards).

    An encoder has ``name`` and ``encode(texts: list[str]) -> numpy array (n, d)`` of L2-normalised
    embeddings (see ``gener1_tool.similarity.encoders``). Loading must be lazy and offline.
    """


@hookspec
def register_teachers(register):
    """Register reasoning teachers for ``gener1 corpus reasoning``.

    A teacher has ``name`` and ``write(gene_set, evidence) -> str``: an answer in gener1's answer
    format (``gener1_tool.reasoning.answer``). Teachers that call a network endpoint must do so
    only when the user configured one.
    """
