"""The prompts: Gene-R1's Table 2 prompt (itself Hu et al.'s gene-set prompt), adapted to gener1's answer format.

Two variants share one wording so a model trained on one understands the other:
* ``model-only``: the gene list alone; the model names the process from what it knows.
* ``grounded``: the same request plus an evidence section (enriched terms, pathways, complexes, per-gene
  functions from the local KB; see ``gener1_tool.enrichment.evidence``), to be used as support.

Teachers, SFT data, GRPO prompts and ``gener1 annotate`` all call ``build_prompt`` so that the model sees
the same text at training and inference time.
"""

from __future__ import annotations

from ..enrichment.candidates import CandidateList
from ..enrichment.evidence import EvidenceBundle
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.readers import PROMPT_GENE_CAP, prompt_sample
from . import answer

MODES = ("model-only", "grounded")
#: ``candidates``: the compact prompt (a short instruction, the set's candidate terms with their overlapping genes,
#: and a sample of its genes: ~250 tokens where ``grounded`` takes ~1,000). What a model with a chooser reasons on,
#: and what the gene-level reasoning corpus (``corpora.candidate_traces``) teaches.
CANDIDATES_MODE = "candidates"
ANNOTATION_MODES = MODES + (CANDIDATES_MODE,)
#: Genes listed in the compact prompt (a seeded sample beyond it): the candidates show the genes that matter.
CANDIDATE_PROMPT_GENES = 20
#: Candidates shown in the compact prompt.
CANDIDATE_PROMPT_TERMS = 5

CANDIDATE_INSTRUCTIONS = f"""Name the most prominent biological process of this gene set, using the candidate terms below from a curated knowledge base.
Answer "Process: <name> (<confidence>)" with a confidence from 0.00 to 1.00, or "Process: {answer.UNRELATED} (0.00)" if the genes share no process.
Then write "Reasoning:" and one step per line inside <think></think>, each naming the genes of the set that support it."""

SYSTEM = "You are an efficient and insightful assistant to a molecular biologist."

# Gene-R1's eval script prompt, with its "Process: <name>" header kept and two additions for gener1's
# format: a confidence (Hu et al. 2025) and one <think> tag per reasoning step after "Reasoning:".
INSTRUCTIONS = f"""Write a critical analysis of the biological processes performed by this system of interacting proteins.
{{basis}}
After the analysis, propose a brief name for the most prominent biological process performed by the system.
Place the name at the top of the analysis in the format: "Process: <name> (<confidence>)", where the confidence is a score from 0.00 to 1.00.
If the proteins share no prominent process, answer "Process: {answer.UNRELATED} (0.00)".
Then write "Reasoning:" and put each reasoning step on its own line inside <think></think>.
Be concise. Avoid unnecessary words.
Use plain text only. Do not include format symbols such as asterisks, dashes, or bullets.
Be specific. Avoid overly general statements such as "the proteins are involved in various cellular processes."
Be factual. Do not include editorial opinions or unsupported claims.
For each important point, clearly explain your reasoning and provide supporting information.
For each identified biological function, specify the corresponding gene names."""

BASIS = {
    "model-only": "Base your analysis on prior knowledge available in your training data.",
    "grounded": "Base your analysis on the evidence below from a curated knowledge base and on prior knowledge "
                "available in your training data.",
}


def build_prompt(gene_set, evidence=None, mode: str = "model-only", *, max_genes: int = PROMPT_GENE_CAP,
                 candidates=None) -> list[dict]:
    """Chat messages (system + user) asking for the gene set's process in gener1's answer format.

    ``gene_set`` is a GeneSet or a plain list of symbols. ``mode="grounded"`` needs ``evidence`` (an
    ``enrichment.evidence.EvidenceBundle`` or its dict form); model-only prompts ignore it. ``mode="candidates"``
    needs ``candidates`` (an ``enrichment.candidates.CandidateList`` or its dict form) and lists at most
    ``CANDIDATE_PROMPT_GENES`` genes. Sets over the gene cap show a sample seeded by the set ID
    (``genes.readers.prompt_sample``).
    """
    if mode not in ANNOTATION_MODES:
        raise Gener1Error(f"unknown prompt mode {mode!r}; expected one of {', '.join(ANNOTATION_MODES)}")
    if not isinstance(gene_set, GeneSet):
        gene_set = GeneSet(id="", genes=list(gene_set))
    if not gene_set.genes:
        raise Gener1Error(f"gene set {gene_set.id!r} has no genes to ask about")
    if mode == CANDIDATES_MODE:
        return _candidates_prompt(gene_set, candidates, min(max_genes, CANDIDATE_PROMPT_GENES))
    shown, total = prompt_sample(gene_set, max_genes), gene_set.size
    parts = [INSTRUCTIONS.format(basis=BASIS[mode])]
    if mode == "grounded":
        if evidence is None:
            raise Gener1Error("the grounded prompt needs an evidence bundle")
        parts.append("Evidence:\n" + evidence_text(evidence))
    listed = ", ".join(shown)
    if len(shown) < total:
        listed += f" (a random sample of {len(shown)} of {total} genes)"
    parts.append(f"Here is the gene set: {listed}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def evidence_text(evidence) -> str:
    """The evidence section of a grounded prompt: the bundle's own plain-text rendering (bounded in size).

    ``evidence`` is an ``EvidenceBundle`` or its ``to_dict()`` form (as stored in JSONL files).
    """

    if isinstance(evidence, dict):
        evidence = EvidenceBundle.from_dict(evidence)
    if not hasattr(evidence, "to_prompt_text"):
        raise Gener1Error(f"not an evidence bundle: {type(evidence).__name__}")
    return evidence.to_prompt_text()


def _candidates_prompt(gene_set: GeneSet, candidates, max_genes: int) -> list[dict]:
    if candidates is None:
        raise Gener1Error("the candidates prompt needs the set's candidate list")
    if isinstance(candidates, dict):
        candidates = CandidateList.from_dict(candidates)
    shown, total = prompt_sample(gene_set, max_genes), gene_set.size
    listed = ", ".join(shown) + (f" (a random sample of {len(shown)} of {total})" if len(shown) < total else "")
    text = "\n\n".join([CANDIDATE_INSTRUCTIONS, candidates.to_prompt_text(limit=CANDIDATE_PROMPT_TERMS),
                         f"Genes ({total}): {listed}"])
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
