"""Run Nextflow modules without Nextflow: parse a module's blocks, render its script with Groovy the way
Nextflow would, stage inputs into a work directory, run `bash -ue .command.sh`, check declared outputs.

Used by tests/test_pipelines_nextflow.py. What Nextflow would do and this does too:
- the `script:`/`stub:` block is Groovy evaluated in the task context (`task`, `meta`, the inputs), its last
  expression is the command, indentation stripped (tests/nextflow/render_scripts.groovy);
- inputs are staged as symlinks under the names the process sees (`stageAs` patterns included);
- the command runs as `#!/bin/bash -ue` in the work directory, with the pipeline's bin/ on PATH;
- output patterns (`path("${prefix}.tsv")`, globs, `{a,b}` alternatives) are resolved against the
  same binding and the work directory; a non-optional output that matches nothing is a failure;
- `eval('command')` outputs (the `versions` topic) run after the script, in the same directory and environment,
  and a failing one fails the task, as in Nextflow.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RENDERER = Path(__file__).with_name("render_scripts.groovy")
SECTION = re.compile(r"^    (input|output|when|script|shell|exec|stub):[ \t]*$", re.M)
DECLARATION = re.compile(r"\b(val|path|env|stdin|stdout|file)\s*(?:\(\s*|\s+)([A-Za-z_]\w*)?")
PATH_LITERAL = re.compile(r"""\bpath\s*\(?\s*("(?:[^"\\]|\\.)*"|'[^']*')""")
EMIT = re.compile(r"\bemit:\s*(\w+)")
EVAL = re.compile(r"""\beval\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\)""")
TOPIC = re.compile(r"\btopic:\s*(\w+)")


def groovy_env() -> dict:
    """Debian's groovy looks for /usr/lib/jvm/default-java; point JAVA_HOME at the java on PATH if absent."""
    env = dict(os.environ)
    if "JAVA_HOME" not in env and not Path("/usr/lib/jvm/default-java/bin/java").exists():
        java = shutil.which("java")
        if java:
            env["JAVA_HOME"] = str(Path(os.path.realpath(java)).parents[1])
    return env


def groovy_available() -> bool:
    if not shutil.which("groovy"):
        return False
    try:
        return subprocess.run(["groovy", "--version"], capture_output=True, env=groovy_env(), timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class Output:
    emit: str
    literal: str  # the Groovy string literal as declared, e.g. "${prefix}/annotations.tsv"
    optional: bool


@dataclass
class NfModule:
    path: Path
    name: str
    process: str
    sections: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> "NfModule":
        text = path.read_text(encoding="utf-8")
        head, _, _ = text.partition("{")
        process = head.split()[-1]
        body = text[text.index("{") + 1:text.rindex("}")]
        parts = SECTION.split(body)
        sections = {"directives": parts[0], **dict(zip(parts[1::2], parts[2::2]))}
        return cls(path, path.parent.name, process, sections)

    def inputs(self) -> list[list[str]]:
        """Input channels in order, each as the list of its element names (a tuple has several)."""
        channels = []
        for line in self.sections.get("input", "").splitlines():
            line = line.split("//")[0].strip()
            if line:
                channels.append([name for kind, name in DECLARATION.findall(line) if name])
        return channels

    def outputs(self) -> list[Output]:
        outs = []
        for line in self.sections.get("output", "").splitlines():
            line = line.split("//")[0].strip()
            literal = PATH_LITERAL.search(line)
            emit = EMIT.search(line)
            if literal and emit:
                outs.append(Output(emit.group(1), literal.group(1), "optional: true" in line or "optional:true" in line))
        return outs

    def emits(self) -> list[str]:
        return EMIT.findall(self.sections.get("output", ""))

    def evals(self) -> dict[str, str]:
        """emit -> the shell command of its `eval(...)` output (a single-quoted Groovy string: taken as is)."""
        found = {}
        for line in self.sections.get("output", "").splitlines():
            command, emit = EVAL.search(line), EMIT.search(line)
            if command and emit:
                found[emit.group(1)] = command.group(1)[1:-1]
        return found

    def topics(self) -> dict[str, str]:
        """emit -> topic name, for outputs sent to a topic channel."""
        found = {}
        for line in self.sections.get("output", "").splitlines():
            topic, emit = TOPIC.search(line), EMIT.search(line)
            if topic and emit:
                found[emit.group(1)] = topic.group(1)
        return found


@dataclass
class Run:
    """One task: a module, its input values, the files to stage, and task.ext."""
    module: NfModule
    vars: dict
    stage: dict[str, Path] = field(default_factory=dict)  # staged name -> source file or directory
    ext: dict = field(default_factory=dict)
    cpus: int = 1

    def job(self, block: str, job_id: str) -> dict:
        return {"id": job_id, "block": self.module.sections[block], "outputs": [o.literal for o in self.module.outputs()],
                "task": {"ext": self.ext, "cpus": self.cpus, "process": self.module.process, "attempt": 1,
                         "index": 1, "name": f"{self.module.process} (1)"},
                "vars": self.vars}


def render(jobs: list[dict], workdir: Path) -> dict[str, dict]:
    """Render every job in one JVM (Groovy starts slowly); returns {id: {command, outputs, error}}."""
    workdir.mkdir(parents=True, exist_ok=True)
    jobs_file, out_file = workdir / "jobs.json", workdir / "rendered.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    proc = subprocess.run(["groovy", str(RENDERER), str(jobs_file), str(out_file)], capture_output=True, text=True,
                          env=groovy_env(), timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"groovy failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {r["id"]: r for r in json.loads(out_file.read_text(encoding="utf-8"))}


def expand_braces(pattern: str) -> list[str]:
    """`a.{gmt,tsv}` -> [`a.gmt`, `a.tsv`] (Nextflow output globs allow brace alternatives; Python's glob does not)."""
    pieces = re.split(r"(\{[^{}]*\})", pattern)
    options = [p[1:-1].split(",") if p.startswith("{") and p.endswith("}") else [p] for p in pieces]
    return ["".join(combo) for combo in itertools.product(*options)]


def resolve_output(workdir: Path, pattern: str) -> list[Path]:
    pattern = pattern.rstrip("/")
    found = []
    for alternative in expand_braces(pattern):
        if any(ch in alternative for ch in "*?["):
            found.extend(sorted(workdir.glob(alternative)))
        elif (workdir / alternative).exists():
            found.append(workdir / alternative)
    return found


@dataclass
class TaskResult:
    workdir: Path
    command: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, list[Path]]  # emit -> files
    missing: list[str]  # non-optional outputs that matched nothing
    evals: dict[str, str] = field(default_factory=dict)  # emit -> stdout of its eval(...) command


def execute(run: Run, rendered: dict, workdir: Path, env: dict | None = None, timeout: int = 900) -> TaskResult:
    if rendered.get("error"):
        raise RuntimeError(f"{run.module.process}: the script block did not render: {rendered['error']}")
    workdir.mkdir(parents=True, exist_ok=True)
    for staged, source in run.stage.items():
        target = workdir / staged
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(Path(source).resolve())
    script = workdir / ".command.sh"
    script.write_text("#!/bin/bash -ue\n" + rendered["command"], encoding="utf-8")
    run_env = dict(os.environ if env is None else env)
    run_env["PATH"] = f"{ROOT / 'bin'}{os.pathsep}{run_env.get('PATH', '')}"
    proc = subprocess.run(["bash", "-ue", ".command.sh"], cwd=workdir, capture_output=True, text=True, env=run_env,
                          timeout=timeout)
    (workdir / ".command.out").write_text(proc.stdout, encoding="utf-8")
    (workdir / ".command.err").write_text(proc.stderr, encoding="utf-8")
    outputs, missing, evals = {}, [], {}
    returncode = proc.returncode
    for emit, command in run.module.evals().items():
        done = subprocess.run(["bash", "-c", command], cwd=workdir, capture_output=True, text=True, env=run_env,
                              timeout=120)
        if done.returncode != 0:
            missing.append(f"{emit}: eval({command!r}) exited {done.returncode}: {done.stderr[-500:]}")
        evals[emit] = done.stdout.strip()
    for out, pattern in zip(run.module.outputs(), rendered["outputs"]):
        files = resolve_output(workdir, pattern)
        outputs.setdefault(out.emit, []).extend(files)
        if not files and not out.optional:
            missing.append(f"{out.emit}: {pattern}")
    return TaskResult(workdir, rendered["command"], returncode, proc.stdout, proc.stderr, outputs, missing, evals)
