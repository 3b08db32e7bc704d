"""Teacher plugins: grounded (tiny KB evidence), openai (a local stub server: good, slow, broken), import."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gener1_tool import plugins
from gener1_tool.enrichment.evidence import EvidenceBuilder
from gener1_tool.errors import Gener1Error
from gener1_tool.genes.geneset import GeneSet
from gener1_tool.reasoning import answer
from gener1_tool.reasoning.prompts import build_prompt
from gener1_tool.reasoning.teachers import TeacherFailure, get_teacher, normalise_answer

PEROXISOME = GeneSet(id="set1", genes=["PEX1", "PEX2", "PEX3", "PEX5"], gold_name="peroxisome organization")
MIXED = GeneSet(id="set2", genes=["TP53", "ATP5F1A", "PEX1"], gold_name="nothing shared")


@pytest.fixture
def builder(tiny_kb):
    return EvidenceBuilder(tiny_kb)


def test_teachers_are_plugins():
    assert {"grounded", "openai", "import"} <= set(plugins.registry("teachers"))
    with pytest.raises(Gener1Error, match="bad options"):
        get_teacher("grounded", no_such_option=1)


# -- grounded -------------------------------------------------------------------------------------------------
def test_grounded_teacher_writes_factual_steps_and_names_the_top_process(builder):
    evidence = builder.build(PEROXISOME)
    text = get_teacher("grounded").write(PEROXISOME, evidence)
    parsed = answer.parse(text)
    assert parsed.errors == []
    top_process = evidence.enriched["GO_BP"][0]
    assert parsed.name == top_process.name
    assert parsed.confidence == pytest.approx(min(0.95, top_process.overlap / 4))
    joined = " ".join(parsed.steps)
    assert "Peroxisome" in joined  # the KEGG pathway step
    assert "peroxisome" in joined and "PEX1" in joined  # component step and per-gene functions
    assert len(parsed.steps) >= 4
    assert text == answer.render(parsed.name, parsed.steps, parsed.confidence)  # THE format, canonical


def test_grounded_teacher_uses_the_papers_templates_with_seeded_variation(builder):
    evidence = builder.build(PEROXISOME)
    texts = {get_teacher("grounded", seed=s).write(PEROXISOME, evidence) for s in range(8)}
    assert len(texts) > 1  # phrasing varies with the seed
    assert get_teacher("grounded", seed=3).write(PEROXISOME, evidence) == get_teacher("grounded", seed=3).write(
        PEROXISOME, evidence.to_dict())  # deterministic, and the JSON form works the same
    all_steps = " ".join(texts)
    assert any(p in all_steps for p in ("The genes are enriched in the GO terms related to",
                                        "The genes associate with the pathway of", "The gene PEX"))


def test_grounded_teacher_holds_out_the_gold_term_when_the_bundle_does(builder):
    held = builder.build(PEROXISOME, hold_out=["GO:0016558"], hold_out_names=["protein import into peroxisome matrix"])
    name = answer.parse(get_teacher("grounded").write(PEROXISOME, held)).name
    assert name != "protein import into peroxisome matrix"
    assert "protein import into peroxisome matrix" not in get_teacher("grounded").write(PEROXISOME, held)


def test_grounded_teacher_consensus_naming_prefers_broad_coverage(builder):
    evidence = builder.build(PEROXISOME)
    top = answer.parse(get_teacher("grounded", naming="top").write(PEROXISOME, evidence)).name
    consensus = answer.parse(get_teacher("grounded", naming="consensus").write(PEROXISOME, evidence)).name
    processes = evidence.enriched["GO_BP"][:3]
    best = max(processes, key=lambda t: (t.overlap, -processes.index(t)))
    assert consensus == best.name
    assert top == processes[0].name


def test_grounded_teacher_strongest_naming_takes_the_best_term_of_any_branch():
    from gener1_tool.enrichment.evidence import EnrichedTerm, EvidenceBundle

    genes = ["KCNA1", "KCNA2", "KCNB1", "KCNC1"]
    channel = EnrichedTerm("GO:0005249", "voltage-gated potassium channel activity", "GO_MF", 4, 40, 1e-9, 1e-7, genes)
    transport = EnrichedTerm("GO:0071805", "potassium ion transmembrane transport", "GO_BP", 4, 120, 1e-7, 1e-5, genes)
    bundle = EvidenceBundle("kv", 4, 4, 4, ["GO_BP", "GO_MF"], enriched={"GO_BP": [transport], "GO_MF": [channel]})
    kv = GeneSet(id="kv", genes=genes)
    assert answer.parse(get_teacher("grounded", naming="top").write(kv, bundle)).name == transport.name
    strongest = answer.parse(get_teacher("grounded", naming="strongest").write(kv, bundle))
    assert strongest.name == channel.name and strongest.errors == []
    with pytest.raises(Gener1Error, match="naming must be one of top, strongest, consensus"):
        get_teacher("grounded", naming="best")


def test_grounded_teacher_answers_unrelated_without_shared_evidence(builder):
    parsed = answer.parse(get_teacher("grounded").write(MIXED, builder.build(MIXED)))
    assert parsed.name == answer.UNRELATED and parsed.confidence == 0.0
    assert parsed.steps  # per-gene facts are still stated


def test_grounded_teacher_needs_evidence():
    with pytest.raises(TeacherFailure) as info:
        get_teacher("grounded").write(PEROXISOME, None)
    assert info.value.reason == "no_evidence"


# -- openai-compatible endpoint against a local stub ----------------------------------------------------------
class Stub(BaseHTTPRequestHandler):
    calls: list = []
    failures_before_success = {"flaky": 1}

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        mode = self.path.strip("/").split("/")[0]
        Stub.calls.append((mode, body, self.headers.get("Authorization")))
        reply = {"choices": [{"message": {"role": "assistant", "content":
                 "Process: peroxisome organization (0.85)\nReasoning:\nPEX1, PEX2 and PEX5 import matrix proteins.\n"
                 "PEX3 inserts membrane proteins."}}]}
        if mode == "slow":
            time.sleep(1.0)
        if mode == "garbage":
            return self._send(200, b"<html>502 bad gateway</html>")
        if mode == "nochoices":
            return self._send(200, json.dumps({"error": "oops"}).encode())
        if mode == "noanswer":
            reply["choices"][0]["message"]["content"] = "I cannot help with that."
        if mode == "denied":
            return self._send(401, b'{"error": "bad key"}')
        if mode == "flaky" and Stub.failures_before_success["flaky"] > 0:
            Stub.failures_before_success["flaky"] -= 1
            return self._send(503, b"busy")
        self._send(200, json.dumps(reply).encode())

    def _send(self, code, data):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


@pytest.fixture(scope="module")
def stub_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def teacher(url, mode, **options):
    return get_teacher("openai", base_url=f"{url}/{mode}", model="stub-model", timeout=0.3, retries=1, backoff=0.0,
                       **options)


def test_openai_teacher_is_never_called_unless_configured(monkeypatch):
    monkeypatch.delenv("GENER1_TEACHER_URL", raising=False)
    monkeypatch.delenv("GENER1_TEACHER_MODEL", raising=False)
    with pytest.raises(Gener1Error, match="not configured"):
        get_teacher("openai")


def test_openai_teacher_sends_the_prompt_and_normalises_the_reply(stub_url):
    Stub.calls.clear()
    text = teacher(stub_url, "ok", api_key="sk-test").write(PEROXISOME)
    parsed = answer.parse(text)
    assert parsed.name == "peroxisome organization" and parsed.confidence == 0.85
    assert parsed.steps == ["PEX1, PEX2 and PEX5 import matrix proteins.", "PEX3 inserts membrane proteins."]
    mode, body, auth = Stub.calls[-1]
    assert body["model"] == "stub-model" and body["messages"] == build_prompt(PEROXISOME)
    assert auth == "Bearer sk-test"


@pytest.mark.parametrize("mode, reason", [("slow", "timeout"), ("garbage", "garbage"), ("nochoices", "garbage"),
                                          ("noanswer", "no_answer"), ("denied", "http_error")])
def test_openai_teacher_failures_are_recorded_not_raised_as_crashes(stub_url, mode, reason):
    Stub.calls.clear()
    with pytest.raises(TeacherFailure) as info:
        teacher(stub_url, mode).write(PEROXISOME)
    assert info.value.reason == reason
    expected_calls = {"slow": 2, "denied": 1}.get(mode, 1)  # timeouts are retried, a 401 is not
    assert len(Stub.calls) == expected_calls


def test_openai_teacher_retries_server_errors(stub_url):
    Stub.calls.clear()
    text = teacher(stub_url, "flaky").write(PEROXISOME)
    assert answer.parse(text).name == "peroxisome organization"
    assert len(Stub.calls) == 2


def test_openai_teacher_reports_unreachable_servers():
    with pytest.raises(TeacherFailure) as info:
        get_teacher("openai", base_url="http://127.0.0.1:9/v1", model="m", timeout=0.3, retries=0).write(PEROXISOME)
    assert info.value.reason in ("connection_error", "timeout")


# -- import ---------------------------------------------------------------------------------------------------
def test_import_teacher_reads_traces_and_records_missing_ids(tmp_path):
    traces = tmp_path / "traces.jsonl"
    traces.write_text(
        json.dumps({"id": "set1", "completion": [{"role": "assistant", "content":
                    "Process: peroxisome organization\nReasoning:\n<think>PEX genes.</think>"}]}) + "\n\n"
        + json.dumps({"id": "set9", "text": "Process: cell cycle: G1/S transition, mitotic (0.4)"}) + "\n")
    imp = get_teacher("import", path=str(traces))
    assert answer.parse(imp.write(PEROXISOME)).steps == ["PEX genes."]
    assert answer.parse(imp.write(GeneSet(id="set9", genes=["CDK2"]))).name == "cell cycle: G1/S transition, mitotic"
    with pytest.raises(TeacherFailure) as info:
        imp.write(GeneSet(id="other", genes=["X"]))
    assert info.value.reason == "no_trace"


def test_import_teacher_rejects_malformed_files_with_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "Process: x"}\n{not json\n')
    with pytest.raises(Gener1Error) as info:
        get_teacher("import", path=str(bad))
    assert info.value.line == 2
    with pytest.raises(Gener1Error, match="needs path"):
        get_teacher("import")


def test_normalise_answer_keeps_names_with_punctuation():
    text = normalise_answer("**Process:** DNA damage response, signal transduction by p53 class mediator (0.9)\n"
                            "Reasoning:\n1. TP53 is activated.\n2. MDM2 is a target.")
    parsed = answer.parse(text)
    assert parsed.name == "DNA damage response, signal transduction by p53 class mediator"
    assert parsed.steps == ["1. TP53 is activated.", "2. MDM2 is a target."]
