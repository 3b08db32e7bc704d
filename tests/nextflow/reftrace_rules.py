"""Project lint rules for the Nextflow code, in reftrace's rule format.

Run by hand:  reftrace lint --rules tests/nextflow/reftrace_rules.py --directory modules
The test suite imports the same rules (tests/test_pipelines_nextflow.py), so both agree.
"""

from reftrace import Module
from reftrace.linting import LintError, LintResults, rule

ALLOWED_LABELS = {"process_single", "process_low", "process_medium", "process_high", "process_long",
                  "process_high_memory", "process_gpu"}
RESOURCE_LABELS = ALLOWED_LABELS - {"process_gpu", "process_long", "process_high_memory"}
DOCKER_IMAGE = "gener1:0.1.0"
SIF_IMAGE = "gener1_0.1.0.sif"


def _is_module_file(module: Module) -> bool:
    return "/modules/" in module.path.replace("\\", "/")


@rule
def one_process_per_module(module: Module, results: LintResults):
    if _is_module_file(module) and len(module.processes) != 1:
        results.errors.append(LintError(1, f"a module file holds exactly one process, found {len(module.processes)}"))


@rule
def process_directives(module: Module, results: LintResults):
    for process in module.processes:
        if not process.name.startswith("GENER1_"):
            results.errors.append(LintError(process.line, f"{process.name}: process names start with GENER1_"))
        if not process.tags:
            results.errors.append(LintError(process.line, f"{process.name}: no tag directive"))
        labels = [label.value for label in process.labels]
        if unknown := [label for label in labels if label not in ALLOWED_LABELS]:
            results.errors.append(LintError(process.line, f"{process.name}: unknown labels {unknown}"))
        if len([label for label in labels if label in RESOURCE_LABELS]) != 1:
            results.errors.append(LintError(process.line, f"{process.name}: exactly one resource label "
                                                          f"(process_single/low/medium/high) expected, got {labels}"))
        if not process.condas:
            results.errors.append(LintError(process.line, f"{process.name}: no conda directive"))
        containers = process.containers
        if len(containers) != 1:
            results.errors.append(LintError(process.line, f"{process.name}: exactly one container directive expected"))
        else:
            c = containers[0]
            if (c.true_name, c.false_name) != (SIF_IMAGE, DOCKER_IMAGE) or "apptainer" not in c.condition:
                results.errors.append(LintError(c.line, f"{process.name}: container must be the ternary "
                                                         f"{SIF_IMAGE!r} (singularity/apptainer) : {DOCKER_IMAGE!r}"))
