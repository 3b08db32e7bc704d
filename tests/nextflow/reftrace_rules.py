"""Project lint rules for the Nextflow code, in reftrace's rule format.

Run by hand:  reftrace lint --rules tests/nextflow/reftrace_rules.py --directory modules
The test suite imports the same rules (tests/test_pipelines_nextflow.py), so both agree.
"""

from reftrace import Module
from reftrace.linting import LintError, LintResults, rule

from gener1_tool import __version__

ALLOWED_LABELS = {"process_single", "process_low", "process_medium", "process_high", "process_long",
                  "process_high_memory", "process_gpu"}
RESOURCE_LABELS = ALLOWED_LABELS - {"process_gpu", "process_long", "process_high_memory"}
# Registry-relative names: the engines prefix params.container_registry (docker.registry, apptainer.registry, ...),
# singularity/apptainer pull the same image and convert it. Tags are the package version.
DOCKER_IMAGE = f"gener1/gener1:{__version__}"
CUDA_IMAGE = f"gener1/gener1-cuda:{__version__}"


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
        elif "process_gpu" in labels:
            c = containers[0]
            if (c.true_name, c.false_name) != (CUDA_IMAGE, DOCKER_IMAGE) or c.condition.strip() != "task.ext.use_gpu":
                results.errors.append(LintError(c.line, f"{process.name}: a process_gpu container must be the ternary "
                                                         f"task.ext.use_gpu ? {CUDA_IMAGE!r} : {DOCKER_IMAGE!r}"))
        else:
            c = containers[0]
            if c.name != DOCKER_IMAGE or c.true_name or c.false_name:
                results.errors.append(LintError(c.line, f"{process.name}: container must be {DOCKER_IMAGE!r}"))
