# Writes the malformed-scenario corpus of tests/hostile.rs (issue #17) and its EXPECTED
# manifest: python3 tests/data/malformed/generate.py tests/data/malformed
import json, copy, os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
BASE = {
  "name": "base", "duration": "20s", "warmup": "2s",
  "clients": [{"name": "web", "target": "api", "arrival": {"kind": "poisson", "rate_per_s": 50},
               "timeout": "100ms", "retry": {"max_attempts": 3, "backoff": {"kind": "exponential", "base": "5ms"}, "jitter": "full"}}],
  "services": [{"name": "api", "replicas": 2, "workers": 4, "queue": {"capacity": 100},
                "service_time": {"kind": "lognormal", "p50": "4ms", "p99": "20ms"},
                "calls": [{"service": "db", "timeout": "50ms"}]},
               {"name": "db", "workers": 8, "service_time": {"kind": "exponential", "mean": "2ms"}}],
  "network": {"latency": {"kind": "constant", "value": "500us"}},
  "faults": [{"kind": "slowdown", "target": "db", "at": "5s", "for": "5s", "factor": 3}],
  "slo": [{"client": "web", "latency_below": "100ms", "target": 0.99}],
  "variants": {"no-retry": {"clients.web.retry": None}}
}
cases = []
def text(name, t, fragment, code=2):
    cases.append((name, t, code, fragment))
def mut(name, f, fragment, code=2):
    d = copy.deepcopy(BASE); f(d); text(name, json.dumps(d, indent=1), fragment, code)
def setp(d, path, v):
    *head, last = path
    for k in head: d = d[k]
    if v is DEL: del d[last]
    else: d[last] = v
DEL = object()
def m(name, path, v, fragment, code=2):
    mut(name, lambda d: setp(d, path, v), fragment, code)
good = json.dumps(BASE, indent=1)
# syntax and encoding-level
text("syntax-trailing-comma", good[:-2] + ",\n}", "line ")
text("syntax-missing-brace", good[:-1], "line ")
text("syntax-unquoted-key", good.replace('"name": "base"', 'name: "base"', 1), "line 2")
text("syntax-single-quotes", good.replace('"name": "base"', "'name': 'base'", 1), "line 2")
text("syntax-comment", "// a scenario\n" + good, "line 1")
text("syntax-nan", good.replace('"target": 0.99', '"target": NaN'), "line ")
text("syntax-empty", "", "line 1")
text("syntax-whitespace", "   \n  \n", "line ")
text("syntax-trailing-text", good + " extra", "line ")
text("syntax-deep-nesting", '{"name": ' + "[" * 300 + "]" * 300 + "}", "recursion limit")
text("syntax-control-char", good.replace('"base"', '"ba\tse"', 1), "line 2")
text("top-level-array", "[" + good + "]", "top level: a scenario is a JSON object")
text("top-level-string", '"scenario"', "top level: a scenario is a JSON object")
text("duplicate-key-top", good.replace('"name": "base",', '"name": "base", "name": "again",', 1), "name: duplicate key `name`")
text("duplicate-key-nested", good.replace('"workers": 4,', '"workers": 4, "workers": 5,', 1), "services[0].workers: duplicate key `workers`")
# types
m("type-name-number", ["name"], 7, "name: invalid type")
m("type-duration-number", ["duration"], 60, "duration: invalid type: integer `60`")
m("type-rate-string", ["clients", 0, "arrival", "rate_per_s"], "50", "clients[0] (web).arrival.rate_per_s")
m("type-workers-string", ["services", 0, "workers"], "4", "services[0] (api).workers")
m("type-clients-object", ["clients"], {"web": {}}, "clients: invalid type: map")
m("type-faults-string", ["faults"], "none", "faults: invalid type: string")
# ranges
m("range-replicas-negative", ["services", 0, "replicas"], -1, "services[0] (api).replicas: must be at least 1")
m("range-workers-zero", ["services", 0, "workers"], 0, "services[0] (api).workers: must be at least 1")
m("range-workers-huge", ["services", 0, "workers"], 1e9, "services[0] (api).workers: must be at most 100000")
m("range-queue-huge", ["services", 0, "queue", "capacity"], 1e8, "services[0] (api).queue.capacity: must be at most 10000000")
m("range-rate-zero", ["clients", 0, "arrival", "rate_per_s"], 0, "clients[0] (web).arrival.rate_per_s: must be greater than 0")
m("range-attempts-zero", ["clients", 0, "retry", "max_attempts"], 0, "clients[0] (web).retry.max_attempts: must be at least 1")
m("range-attempts-huge", ["clients", 0, "retry", "max_attempts"], 101, "clients[0] (web).retry.max_attempts: must be at most 100")
m("range-fanout-zero", ["services", 0, "calls", 0, "fanout"], 0, "services[0] (api).calls[0] (db).fanout: must be at least 1")
m("range-fanout-huge", ["services", 0, "calls", 0, "fanout"], 100001, "services[0] (api).calls[0] (db).fanout: must be at most 10000")
m("range-wait-for-zero", ["services", 0, "calls", 0, "wait_for"], 0, "services[0] (api).calls[0] (db).wait_for")
m("range-wait-for-word", ["services", 0, "calls", 0, "wait_for"], "most", "services[0] (api).calls[0] (db).wait_for")
m("range-slo-target-zero", ["slo", 0, "target"], 0, "slo[0].target: must be greater than 0")
m("range-slo-target-above-one", ["slo", 0, "target"], 1.5, "slo[0].target")
m("range-loss", ["network", "loss"], 1.5, "network.loss")
m("range-factor-zero", ["faults", 0, "factor"], 0, "faults[0].factor")
m("range-events-max-zero", ["limits"], {"events_max": 0}, "limits.events_max: must be at least 1")
m("range-memory-max-zero", ["limits"], {"memory_max": 0}, "limits.memory_max: must be at least 1")
m("range-memory-max-word", ["limits"], {"memory_max": "lots"}, "limits.memory_max: is not a size")
# durations
m("duration-word", ["clients", 0, "timeout"], "fast", "clients[0] (web).timeout: is not a duration")
m("duration-no-unit", ["duration"], "60", "duration: is not a duration")
m("duration-zero", ["duration"], "0s", "duration: must be longer than 0s")
m("duration-too-long", ["duration"], "31days", "duration: must be at most 30 days")
m("duration-584-years", ["duration"], "600y", "duration: ")
m("warmup-past-duration", ["warmup"], "20s", "warmup: must be shorter than `duration`")
m("latency-below-zero", ["slo", 0, "latency_below"], "0s", "slo[0].latency_below: must be longer than 0s")
m("timeout-zero", ["clients", 0, "timeout"], "0ms", "clients[0] (web).timeout: must be longer than 0s")
# kinds
m("kind-arrival", ["clients", 0, "arrival", "kind"], "poison", "clients[0] (web).arrival.kind: `poison` is not one of")
m("kind-backoff", ["clients", 0, "retry", "backoff", "kind"], "linear", "clients[0] (web).retry.backoff.kind")
m("kind-jitter", ["clients", 0, "retry", "jitter"], "fuzzy", "clients[0] (web).retry.jitter")
m("kind-balancer", ["services", 0, "balancer"], "rr", "services[0] (api).balancer")
m("kind-distribution", ["services", 1, "service_time", "kind"], "normal", "services[1] (db).service_time.kind")
m("kind-fault", ["faults", 0, "kind"], "meteor", "faults[0].kind")
m("kind-latency", ["network", "latency", "kind"], "gaussian", "network.latency.kind")
# missing and unknown fields
m("missing-name", ["name"], DEL, "missing field `name`")
m("missing-duration", ["duration"], DEL, "missing field `duration`")
m("missing-target", ["clients", 0, "target"], DEL, "clients[0] (web): missing field `target`")
m("missing-p99", ["services", 0, "service_time", "p99"], DEL, "services[0] (api).service_time")
m("empty-clients", ["clients"], [], "clients: must list at least one client")
m("empty-services", ["services"], [], "services: must list at least one service")
m("unknown-top-field", ["duraton"], "20s", "duraton: unknown field `duraton`; did you mean `duration`?")
m("unknown-client-field", ["clients", 0, "timout"], "1s", "clients[0] (web).timout: unknown field `timout`; did you mean `timeout`?")
m("unknown-service-field", ["services", 0, "wokers"], 4, "services[0] (api).wokers: unknown field `wokers`; did you mean `workers`?")
m("unknown-limits-field", ["limits"], {"memory": "1GiB"}, "limits.memory: unknown field `memory`")
m("unknown-backoff-parameter", ["clients", 0, "retry", "backoff", "delay"], "5ms", "clients[0] (web).retry.backoff.delay: is not a parameter")
# references and names
m("reference-target", ["clients", 0, "target"], "apu", "clients[0] (web).target: no service named `apu`; did you mean `api`?")
m("reference-call", ["services", 0, "calls", 0, "service"], "dbb", "services[0] (api).calls[0] (dbb).service: no service named `dbb`; did you mean `db`?")
m("reference-slo-client", ["slo", 0, "client"], "wbe", "slo[0].client: no client named `wbe`")
m("reference-fault-target", ["faults", 0, "target"], "cache", "faults[0].target")
m("name-with-space", ["services", 1, "name"], "data base", "services[1].name: may contain only letters")
m("name-digits", ["clients", 0, "name"], "42", "clients[0].name: must not be only digits")
m("name-too-long", ["clients", 0, "name"], "w" * 65, "clients[0].name: must be at most 64 characters")
mut("name-duplicate", lambda d: d["services"].append(dict(d["services"][1])), "services[2].name: the name `db` is already used by services[1]")
mut("name-client-service-clash", lambda d: setp(d, ["clients", 0, "name"], "api"), "services[0].name: the name `api` is already used by clients[0]")
mut("call-cycle", lambda d: d["services"][1].__setitem__("calls", [{"service": "api"}]), "calls: form a cycle of calls")
# variants
m("variants-not-object", ["variants"], ["a"], "variants: expected an object")
m("variant-bad-name", ["variants"], {"no retry": {}}, "variants: has a variant name that")
m("variant-empty-segment", ["variants"], {"v": {"clients..web": 1}}, "variants.v[\"clients..web\"]: `clients..web` has an empty segment")
m("variant-unknown-element", ["variants"], {"v": {"clients.wbe.timeout": "1s"}}, "`clients` has no element named `wbe`; did you mean `web`?")
m("variant-too-deep", ["variants"], {"v": {".".join(["limits"] * 100): 1}}, "the path has 100 segments")
m("variant-into-variants", ["variants"], {"v": {"variants.x": 1}}, "variants cannot be changed")
m("variant-bad-value", ["variants"], {"v": {"services.api.workers": 0}}, "services[0] (api).workers: must be at least 1")
m("variant-unknown-null", ["variants"], {"v": {"clients.web.retyr": None}}, "clients[0] (web).retyr: unknown field `retyr`; did you mean `retry`?")
# guards before the run (exit 3)
m("beyond-events", ["clients", 0, "arrival", "rate_per_s"], 1e9, "clients: the clients are expected to make about", 3)
m("beyond-memory", ["limits"], {"memory_max": "512KiB"}, "beyond `limits.memory_max` (512 KiB)", 3)
with open(os.path.join(out, "EXPECTED"), "w") as manifest:
    manifest.write("# file\texit code\ta part of the message (the JSON path, or the position of a syntax error)\n")
    for name, t, code, fragment in cases:
        open(os.path.join(out, name + ".json"), "w").write(t)
        manifest.write(f"{name}.json\t{code}\t{fragment}\n")
print(len(cases))
