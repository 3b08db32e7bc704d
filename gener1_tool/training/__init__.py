"""Training in Gene-R1's three stages, TRL style: one config dataclass and one function per stage.

* ``common``   the stage config, output folders, resume, LoRA set-up shared by the stages (models load via ``model.load``)
* ``warmup``   stage 1, knowledge warm-up: causal LM on gene-centric sentences (packing, LoRA, resume)
* ``reason``   stage 2, reasoning SFT on prompt/completion pairs (cascade or merged with warm-up sentences)
* ``align``    stage 3, task alignment: GRPO with reward-term plugins, or online DPO with the four-level order
* ``rewards``  the reward-term plugins (similarity, ROUGE-L, format, think, exact match, preference level)
* ``configs/`` accelerate and DeepSpeed ZeRO configs for multi-GPU machines

Importing this package is cheap (no torch): the plugin manager imports ``rewards`` at start-up.
"""
