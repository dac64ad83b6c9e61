"""Benchmark of the HTTP service against the reference design's request handler, on this machine.

    python scripts/bench_service.py                                   # models/ (after scripts/repro.sh)
    python -m tests.serve.make_models /tmp/effb0 --classifier efficientnetb0
    python scripts/bench_service.py --models /tmp/effb0 --keras efficientnetb0

1. Starts the service (uvicorn, app factory) on 127.0.0.1 on a free port with --models, waits for /ready.
2. POST /predict with 1 client (latency of one 227x227 patch with the overlay), then with --clients concurrent
   clients (throughput; /health is probed meanwhile). Each phase lasts --seconds after a short warm-up.
3. The reference design's approach, in this process on the same request bodies: a Keras model answers each
   request with a forward pass for the probabilities, then a per-request GradientTape Grad-CAM
   (`riawelc.inspect.cam.gradcam_with_tape`) normalised by its maximum, coloured over the patch (`riawelc.metrics.gallery.overlay`),
   PNG-encoded and base64'd into JSON. Two variants: "per call" builds the gradient model on every request, as the
   Keras Grad-CAM example does; "kept" builds it once. Each is called directly by 1 and by --clients threads (a
   sync FastAPI endpoint runs in a thread pool) with no HTTP, multipart or JSON parsing in the way. That favours
   the reference, and the speed-up printed is against its fastest variant: a lower bound.
4. --soak-seconds (default 60) with --soak-clients (default 32) on /predict: status counts and server memory.

Figures: requests/s, p50/p95/p99 latency (ms), errors by status, server RSS (the uvicorn process and its
children), the load average before and after (the CPU may be shared: read the figures with it). Every loop is
bounded in time and talks only to 127.0.0.1; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing
from riawelc.quiet import quiet_tensorflow_logs  # noqa: E402

quiet_tensorflow_logs()  # the reference loads TensorFlow; the server has none

from riawelc.constants import CLASSES  # noqa: E402
from serve.live import LiveServer, live_server  # noqa: E402

WARMUP_SECONDS = 1.5
HEALTH_PROBE_INTERVAL = 0.02  # s between /health probes while /predict is loaded
MAX_REQUESTS_PER_CLIENT = 100_000  # a second bound besides time: no loop here can run away
TARGETS = {"speedup": 10.0, "p50_ms": 15.0, "health_p99_ms": 50.0}


# ---------------------------------------------- the server process (started by serve.live.live_server)


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (an inference pool may use processes)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.append(current)
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
    return found


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its descendants, in MiB."""
    total_kib = 0
    for member in process_tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, StopIteration):
            status = Path(f"/proc/{member}/status").read_text()
            total_kib += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return total_kib / 1024


class CpuWatch:
    """How much of the machine's CPU time went to OTHER work during a phase (the CPU here is shared).

    Busy time of all CPUs (/proc/stat) minus the time of this process and of the server's process tree, as a
    share of the CPUs' wall time: 0.0 means nothing else ran, 1.0 means the whole machine was taken by others.
    """

    def __init__(self, server_pid: int | None = None):
        self.server_pid = server_pid
        self.start = self._sample()

    @staticmethod
    def _busy_ticks() -> int:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values) - values[3] - values[4]  # all but idle and iowait

    def _own_ticks(self) -> float:
        ticks = sum(os.times()[:2]) * os.sysconf("SC_CLK_TCK")  # this process, every thread
        for member in process_tree(self.server_pid) if self.server_pid else []:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks

    def _sample(self) -> tuple[float, int, float]:
        return time.monotonic(), self._busy_ticks(), self._own_ticks()

    def other_share(self) -> float:
        wall, busy, own = (b - a for a, b in zip(self.start, self._sample()))
        capacity = wall * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
        return max(0.0, (busy - own) / capacity) if capacity else 0.0


# ------------------------------------------------------------------------------------------------- requests


def sample_patches(count: int, seed: int = 0) -> list[bytes]:
    """PNG bytes of synthetic 227x227 patches, the classes in turn (as the embedded sample makes them)."""
    import cv2

    from riawelc.synth.patches import generate_patch

    rng = np.random.default_rng(seed)
    patches = []
    for i in range(count):
        image, _ = generate_patch(CLASSES[i % len(CLASSES)], rng)
        patches.append(cv2.imencode(".png", image)[1].tobytes())
    return patches


def folder_patches(folder: Path, count: int) -> list[bytes]:
    from riawelc.images import IMAGE_SUFFIXES

    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[:count]
    if not files:
        raise SystemExit(f"no images found under {folder}")
    return [p.read_bytes() for p in files]


def multipart(png: bytes, field_name: str = "file") -> tuple[bytes, str]:
    boundary = "riawelc-bench-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="patch.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + png + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # connection errors, timeouts, bad bodies
    health_ms: list[float] = field(default_factory=list)
    rss_before_mb: float | None = None
    rss_after_mb: float | None = None
    other_cpu_share: float | None = None  # CPU taken by other work meanwhile (see CpuWatch)

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200) + sum(self.failures.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        latencies = np.asarray(self.latencies_ms)
        result = {
            "phase": self.name, "clients": self.clients, "seconds": round(self.seconds, 1), "ok": self.ok,
            "requests_per_s": round(self.rate(), 1), "errors": self.errors,
            "statuses": dict(sorted(self.statuses.items())), "failures": dict(self.failures),
        }
        if latencies.size:
            result.update({f"p{q}_ms": round(float(np.percentile(latencies, q)), 2) for q in (50, 95, 99)})
        if self.health_ms:
            result["health_p99_ms"] = round(float(np.percentile(self.health_ms, 99)), 2)
            result["health_probes"] = len(self.health_ms)
        if self.rss_before_mb is not None:
            result["server_rss_mb"] = [round(self.rss_before_mb, 1), round(self.rss_after_mb, 1)]
        if self.other_cpu_share is not None:
            result["other_cpu_share"] = round(self.other_cpu_share, 2)
        return result


def _client(server: LiveServer, bodies: list[tuple[bytes, str]], offset: int, deadline: float, start: float,
            phase: Phase, lock: threading.Lock) -> None:
    """One keep-alive connection sending POST /predict until `deadline`; records after `start` only."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    latencies, statuses, failures = [], Counter(), Counter()
    i = offset
    while (now := time.perf_counter()) < deadline and i - offset < MAX_REQUESTS_PER_CLIENT:
        body, content_type = bodies[i % len(bodies)]
        i += 1
        try:
            connection.request("POST", "/predict", body, {"Content-Type": content_type, "Accept": "application/json"})
            response = connection.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - now
            if now < start:
                continue  # warm-up
            statuses[response.status] += 1
            if response.status in (429, 503):  # back-pressure: wait as told (at most a second), as a client should
                time.sleep(min(float(response.getheader("Retry-After") or 0.1), 1.0))
            if response.status == 200:
                latencies.append(elapsed * 1000)
                if b'"overlay_png"' not in data:
                    failures["200 without overlay_png"] += 1
        except (OSError, http.client.HTTPException) as error:
            if now >= start:
                failures[type(error).__name__] += 1
            connection.close()
            connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    connection.close()
    with lock:
        phase.latencies_ms += latencies
        phase.statuses.update(statuses)
        phase.failures.update(failures)


def _health_prober(server: LiveServer, deadline: float, start: float, phase: Phase) -> None:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if (now := time.perf_counter()) >= deadline:
            break
        try:
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            if now >= start:
                phase.health_ms.append((time.perf_counter() - now) * 1000)
                if response.status != 200:
                    phase.failures[f"/health {response.status}"] += 1
        except (OSError, http.client.HTTPException) as error:
            if now >= start:
                phase.failures[f"/health {type(error).__name__}"] += 1
            connection.close()
            connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        time.sleep(HEALTH_PROBE_INTERVAL)
    connection.close()


def load_server(server: LiveServer, patches: list[bytes], name: str, clients: int, seconds: float,
                probe_health: bool = False, warmup: float = WARMUP_SECONDS) -> Phase:
    phase = Phase(name, clients)
    bodies = [multipart(png) for png in patches]
    lock = threading.Lock()
    start = time.perf_counter() + warmup
    deadline = start + seconds
    threads = [threading.Thread(target=_client, args=(server, bodies, k, deadline, start, phase, lock))
               for k in range(clients)]
    if probe_health:
        threads.append(threading.Thread(target=_health_prober, args=(server, deadline, start, phase)))
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start - time.perf_counter()))
    # After the warm-up: growth, not first-touch allocations.
    phase.rss_before_mb = process_tree_rss_mb(server.process.pid)
    watch = CpuWatch(server.process.pid)
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - start
    phase.other_cpu_share = watch.other_share()
    phase.rss_after_mb = process_tree_rss_mb(server.process.pid)
    return phase


# ---------------------------------------------------------------------------- the reference design's handler


def load_keras_classifier(spec: str):
    """A .keras file, or the name of an architecture built untrained (its speed is what is compared)."""
    import keras

    from riawelc.learn.models import BACKBONES, build_classifier

    if spec in BACKBONES:
        keras.utils.set_random_seed(0)
        return build_classifier(spec, weights="none")
    if not Path(spec).is_file():
        raise SystemExit(f"--keras {spec}: neither a .keras file nor one of {', '.join(BACKBONES)}")
    return keras.models.load_model(spec, compile=False)


def reference_handler(model, keep_grad_model: bool):
    """The reference design's /predict: Keras forward pass, per-request GradientTape Grad-CAM, overlay PNG, JSON.

    keep_grad_model False builds the gradient model on every request (the Keras Grad-CAM example's way).
    """
    import cv2

    from riawelc.images import decode_patch
    from riawelc.inspect.cam import upsample
    from riawelc.inspect.drawing import overlay
    from riawelc.learn.gradcam import gradcam_model, gradcam_with_tape

    kept = gradcam_model(model) if keep_grad_model else None

    def handle(png: bytes) -> bytes:
        patch = decode_patch(png)
        pixels = patch[None, ..., None].astype(np.float32)
        probabilities = np.asarray(model(pixels, training=False))[0]
        index = int(np.argmax(probabilities))
        heat = gradcam_with_tape(model, pixels, np.array([index]), grad_model=kept)[0]
        heat = upsample(heat / heat.max() if heat.max() > 0 else heat)  # per-image max, as the Keras example
        encoded = cv2.imencode(".png", cv2.cvtColor(overlay(patch, heat), cv2.COLOR_RGB2BGR))[1]
        return json.dumps({
            "class": CLASSES[index], "confidence": float(probabilities[index]),
            "probabilities": dict(zip(CLASSES, map(float, probabilities))),
            "overlay_png": base64.b64encode(encoded.tobytes()).decode(),
        }).encode()

    return handle


def load_reference(handle, patches: list[bytes], name: str, clients: int, seconds: float) -> Phase:
    """`clients` threads call `handle` for `seconds`. Each first answers one request untimed (warm-up: a slow
    model can take longer than any fixed warm-up), then all start together; calls begun before the deadline are
    counted and the phase lasts until the last one ends."""
    phase = Phase(name, clients)
    lock = threading.Lock()
    window = {}

    def open_window() -> None:  # run by the last thread to reach the barrier
        window["watch"] = CpuWatch()
        window["start"] = time.perf_counter()
        window["deadline"] = window["start"] + seconds

    barrier = threading.Barrier(clients, action=open_window)

    def worker(offset: int) -> None:
        latencies, failures = [], Counter()
        i = offset
        with contextlib.suppress(Exception):
            handle(patches[i % len(patches)])
        barrier.wait()
        while (now := time.perf_counter()) < window["deadline"] and i - offset < MAX_REQUESTS_PER_CLIENT:
            i += 1
            try:
                handle(patches[i % len(patches)])
                latencies.append((time.perf_counter() - now) * 1000)
            except Exception as error:  # noqa: BLE001 - a benchmark counts failures, it does not stop on them
                failures[type(error).__name__] += 1
        with lock:
            phase.latencies_ms += latencies
            phase.statuses[200] += len(latencies)
            phase.failures.update(failures)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - window["start"]
    phase.other_cpu_share = window["watch"].other_share()
    return phase


# ------------------------------------------------------------------------------------------------------ main


def print_phase(phase: Phase) -> None:
    s = phase.summary()
    line = (f"{s['phase']:<34} clients {s['clients']:>3}  {s['requests_per_s']:>8.1f} req/s  "
            f"p50 {s.get('p50_ms', float('nan')):>7.2f}  p95 {s.get('p95_ms', float('nan')):>7.2f}  "
            f"p99 {s.get('p99_ms', float('nan')):>7.2f} ms  errors {s['errors']}")
    if "health_p99_ms" in s:
        line += f"  /health p99 {s['health_p99_ms']:.2f} ms ({s['health_probes']} probes)"
    if "server_rss_mb" in s:
        line += f"  server RSS {s['server_rss_mb'][0]:.0f} -> {s['server_rss_mb'][1]:.0f} MiB"
    if "other_cpu_share" in s:
        line += f"  other work {100 * s['other_cpu_share']:.0f}% CPU"
    print(line, flush=True)
    if phase.errors:
        print(f"    statuses {s['statuses']}  failures {s['failures']}", flush=True)


def default_keras(models: Path) -> str | None:
    # The default pipeline exports models/ from outputs/classify/model.keras: the same classifier in Keras.
    candidate = REPO / "outputs/classify/model.keras"
    return str(candidate) if models.resolve() == (REPO / "models").resolve() and candidate.is_file() else None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=REPO / "models",
                        help="model folder the service loads (classifier.onnx, unet.onnx, cards); default models/")
    parser.add_argument("--keras", help="the reference's classifier: a .keras file, or smallcnn/efficientnetb0 "
                        "(built untrained, same architecture); default outputs/classify/model.keras for models/")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the saturated phase")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each measured phase")
    parser.add_argument("--soak-seconds", type=float, default=60.0, help="length of the soak run (0: skip)")
    parser.add_argument("--soak-clients", type=int, default=32)
    parser.add_argument("--soak-queue-limit", type=int, default=None,
                        help="RIAWELC_QUEUE_LIMIT of the soak's server (default: --soak-clients; 0: the service's)")
    parser.add_argument("--patches", type=Path, help="folder of patch images (default: synthetic patches)")
    parser.add_argument("--n-patches", type=int, default=16, help="distinct request bodies, used in turn")
    parser.add_argument("--skip-reference", action="store_true", help="measure the service only")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.soak_clients < 1 or args.seconds <= 0 or args.soak_seconds < 0:
        parser.error("--clients and --soak-clients must be >= 1, --seconds > 0, --soak-seconds >= 0")
    missing = [name for name in ("classifier.onnx", "unet.onnx") if not (args.models / name).is_file()]
    if missing:
        parser.error(f"{args.models} lacks {', '.join(missing)}: run scripts/repro.sh, or export test models with "
                     "`python -m tests.serve.make_models DIR [--classifier efficientnetb0]`")
    if args.soak_queue_limit is None:
        args.soak_queue_limit = args.soak_clients
    keras_spec = args.keras or default_keras(args.models)
    if keras_spec is None and not args.skip_reference:
        parser.error("say which Keras classifier the reference runs: --keras FILE|smallcnn|efficientnetb0")

    patches = folder_patches(args.patches, args.n_patches) if args.patches else sample_patches(args.n_patches)
    report = {"models": str(args.models), "keras": keras_spec, "cpus": os.cpu_count(),
              "loadavg_before": [round(x, 2) for x in os.getloadavg()], "phases": []}
    print(f"models {args.models}  reference {keras_spec}  {os.cpu_count()} CPUs  "
          f"load average before {report['loadavg_before']}", flush=True)

    with live_server(args.models) as server:
        report["server_rss_ready_mb"] = round(process_tree_rss_mb(server.process.pid), 1)
        single = load_server(server, patches, "service /predict", 1, args.seconds)
        saturated = load_server(server, patches, "service /predict (+ /health probe)", args.clients, args.seconds,
                                probe_health=True)
        phases = [single, saturated]
        for phase in phases:
            print_phase(phase)
    if args.soak_seconds:
        # Its own server, with a queue that holds every soak client unless --soak-queue-limit says otherwise: with
        # the default queue the surplus clients get 503 + Retry-After by design (shown when run that way).
        soak_env = {"RIAWELC_QUEUE_LIMIT": str(args.soak_queue_limit)} if args.soak_queue_limit else {}
        with live_server(args.models, env={**os.environ, **soak_env}) as server:
            soak = load_server(server, patches, f"soak /predict (queue {args.soak_queue_limit or 'default'})",
                               args.soak_clients, args.soak_seconds, warmup=WARMUP_SECONDS)
        print_phase(soak)
        phases.append(soak)
        report["soak"] = {"5xx": soak.server_errors, "errors": soak.errors, "statuses": dict(soak.statuses),
                          "rss_growth_mb": round(soak.rss_after_mb - soak.rss_before_mb, 1)}
    report["phases"] += [phase.summary() for phase in phases]

    if not args.skip_reference:
        model = load_keras_classifier(keras_spec)
        reference = []
        for keep, label in ((False, "reference Keras+tape, per call"), (True, "reference Keras+tape, kept")):
            handle = reference_handler(model, keep_grad_model=keep)
            for clients in (1, args.clients):
                reference.append(load_reference(handle, patches, label, clients, args.seconds))
                print_phase(reference[-1])
        report["phases"] += [phase.summary() for phase in reference]
        best_reference = max(phase.rate() for phase in reference)
        best_single = max(phase.rate() for phase in reference if phase.clients == 1)
        report["reference_best_requests_per_s"] = round(best_reference, 2)
        report["speedup"] = round(saturated.rate() / best_reference, 1) if best_reference else None
        report["speedup_single_client"] = round(single.rate() / best_single, 1) if best_single else None

    report["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    checks = {
        "p50_ms <= 15 (1 client)": single.summary().get("p50_ms", float("inf")) <= TARGETS["p50_ms"],
        "/health p99 < 50 ms (saturated)": saturated.summary().get("health_p99_ms", float("inf"))
        < TARGETS["health_p99_ms"],
        "zero errors": all(phase.errors == 0 for phase in phases),
    }
    if report.get("speedup") is not None:
        checks["throughput >= 10x reference"] = report["speedup"] >= TARGETS["speedup"]
    report["targets_met"] = checks
    if "speedup" in report:
        print(f"speed-up, best throughput of each side: {report['speedup']}x; with one client: "
              f"{report['speedup_single_client']}x", flush=True)
    for name, met in checks.items():
        print(f"  {'met' if met else 'MISSED':<6} {name}")
    busiest = max(phase.get("other_cpu_share", 0.0) for phase in report["phases"])
    report["busiest_other_cpu_share"] = round(busiest, 2)
    verdict = "BUSY: other work took CPU time, the figures are pessimistic" if busiest > 0.1 else "quiet"
    print(f"load average before {report['loadavg_before']}, after {report['loadavg_after']} on {os.cpu_count()} "
          f"CPUs; other work took up to {100 * busiest:.0f}% of the CPUs during a phase: {verdict}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
