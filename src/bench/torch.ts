/**
 * PyTorch as a bench peer, where `python3 -c "import torch"` works (skipped with a note otherwise;
 * nothing else in fundl needs Python; see findPython for which interpreter). Each configuration is one long-lived `python3` child that
 * builds a workload when asked and times single steps of it in its own process (wall and CPU time
 * by `time.perf_counter` / `time.process_time`, minor page faults by getrusage), so the runner
 * interleaves its samples with fundl's exactly like an in-process peer.
 *
 * PyTorch's best configuration on a small shared machine: OpenBLAS with its AVX-512 kernels (so
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the child's environment, for it only),
 * and either one thread or N threads with OMP_WAIT_POLICY=PASSIVE (OpenMP's default spin-waiting
 * loses up to 3× when the cores are shared). Both run as peers; the report says which was faster.
 */
import { SHAPES } from "./workload.js";

/** A step timed inside the peer's process. */
export interface RemoteSample {
  wall: number;
  cpu: number;
  faults: number;
}

/** The Python side: a loop reading one JSON command a line, answering one JSON line. */
const SCRIPT = String.raw`
import json, os, resource, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ["FUNDL_TORCH_THREADS"]))
torch.manual_seed(0)

def gemm(n):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: a @ b

def conv(s, backward):
    x = torch.randn(s["batch"], s["cin"], s["h"], s["w"])
    w = torch.randn(s["cout"], s["cin"], s["k"], s["k"])
    if not backward:
        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, padding=s["pad"])
        return fwd
    x.requires_grad_(True); w.requires_grad_(True)
    gy = torch.randn(s["batch"], s["cout"], s["h"], s["w"])
    def step():
        x.grad = None; w.grad = None
        F.conv2d(x, w, padding=s["pad"]).backward(gy)
    return step

def mnist(s):
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.rand(s["batch"], 1, 28, 28)
    labels = torch.tensor([(i * 7) % 10 for i in range(s["batch"])])
    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()
    return step

def recurrent(kind, s):
    B, I, H, T = s["batch"], s["input"], s["hidden"], s["steps"]
    x = torch.randn(T, B, I)
    if kind in ("lstm", "gru"):
        net = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(I, H)
        def step():
            for p in net.parameters(): p.grad = None
            out, last = net(x)
            (last[0] if kind == "lstm" else last).sum().backward()
        return step
    # UGRNN: f = sigmoid(Wx_f x + Wh_f h + b_f), d = tanh(Wx_d x + Wh_d h + b_d), h' = f h + (1 - f) d,
    # with the input projection of all steps as one GEMM (the same plan as fundl's nn.RNN)
    wx, wh = torch.nn.Linear(I, 2 * H), torch.nn.Linear(H, 2 * H, bias=False)
    params = list(wx.parameters()) + list(wh.parameters())
    def step():
        for p in params: p.grad = None
        xp = wx(x)
        h = torch.zeros(B, H)
        for t in range(T):
            z = xp[t] + wh(h)
            f, d = torch.sigmoid(z[:, :H]), torch.tanh(z[:, H:])
            h = f * h + (1 - f) * d
        h.sum().backward()
    return step

def make(name, shapes):
    if name == "gemm-256": return gemm(256)
    if name == "gemm-1024": return gemm(1024)
    if name == "conv-fwd": return conv(shapes["conv"], False)
    if name == "conv-fwd-bwd": return conv(shapes["conv"], True)
    # PyTorch frees an activation when its last reference goes, whether the layers run in a Sequential or one by one
    if name in ("mnist-cnn-step", "mnist-cnn-functional"): return mnist(shapes["mnist"])
    if name in ("lstm-seq", "gru-seq", "ugrnn-seq"): return recurrent(name.split("-")[0], shapes["lstm"])
    raise ValueError("unknown workload " + name)

step = None
for line in sys.stdin:
    cmd = json.loads(line)
    try:
        if cmd["op"] == "setup":
            step = make(cmd["name"], cmd["shapes"])
            torch.randn(64, 64) @ torch.randn(64, 64)  # loads the BLAS library, so its name shows in the maps
            with open("/proc/self/maps") as maps:
                blas = sorted({l.split()[-1].split("/")[-1] for l in maps if "blas" in l.lower() and "/" in l})
            reply = {"ok": True, "torch": torch.__version__, "blas": blas}
        else:
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            c0 = time.process_time(); t0 = time.perf_counter()
            step()
            t1 = time.perf_counter(); c1 = time.process_time()
            reply = {"wall": (t1 - t0) * 1e3, "cpu": (c1 - c0) * 1e3, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0}
    except Exception as e:
        reply = {"error": type(e).__name__ + ": " + str(e)}
    sys.stdout.write(json.dumps(reply) + "\n"); sys.stdout.flush()
`;

type ChildProcess = import("node:child_process").ChildProcessWithoutNullStreams;

/**
 * The first Python interpreter that imports torch: $FUNDL_PYTHON if set, else `python3` on the PATH,
 * else /usr/bin/python3 (a Debian python3-torch lives there, while a pyenv shim may shadow it).
 * Checked once; a string saying why not when none does.
 */
let python: { path: string } | { missing: string } | undefined;
async function findPython(): Promise<{ path: string } | { missing: string }> {
  if (python) return python;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const candidates = env.FUNDL_PYTHON ? [env.FUNDL_PYTHON] : ["python3", "/usr/bin/python3"];
  const tried: string[] = [];
  try {
    const { spawnSync } = await import("node:child_process");
    for (const path of candidates) {
      const r = spawnSync(path, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
      if (r.status === 0) return (python = { path });
      tried.push(`${path}: ${r.error ? r.error.message : `exit ${r.status}`}`);
    }
  } catch (err) {
    tried.push(err instanceof Error ? err.message : String(err));
  }
  return (python = { missing: `PyTorch not available (python -c "import torch" failed: ${tried.join("; ")}); skipped` });
}

/** One PyTorch configuration: thread count and OpenMP wait policy. */
export class TorchPeer {
  readonly name: string;
  private child: ChildProcess | null = null;
  private pending: Array<(line: string) => void> = [];
  private buffered = "";
  /** PyTorch's version and the BLAS libraries its process mapped (from the first setup). */
  private found: { torch: string; blas: string[] } | null = null;
  /** The kernel family OpenBLAS chose for this CPU (its "Core:" line), once seen. */
  private blasCore: string | null = null;

  constructor(private readonly threads: number, private readonly passive: boolean) {
    this.name = threads === 1 ? "torch-1t" : `torch-${threads}t-passive`;
  }

  /** A description of the configuration, for the report. */
  get config(): string {
    const where = python && "path" in python ? ` (${python.path})` : "";
    const version = this.found ? ` ${this.found.torch}` : "";
    const blas = this.found ? `; BLAS: ${this.found.blas.join(", ") || "none mapped"}${this.blasCore ? ` (OpenBLAS kernels: ${this.blasCore})` : ""}` : "";
    return `PyTorch${version}${where}, ${this.threads} thread${this.threads === 1 ? "" : `s, OMP_WAIT_POLICY=${this.passive ? "PASSIVE" : "default"}`}, OPENBLAS_CORETYPE unset${blas}`;
  }

  /** Builds the workload in the child; throws with the reason when PyTorch is missing or the setup failed. */
  async setup(workload: string): Promise<void> {
    const py = await findPython();
    if ("missing" in py) throw new Error(py.missing);
    const r = await this.ask({ op: "setup", name: workload, shapes: SHAPES });
    if ("error" in r) throw new Error(`PyTorch: ${String(r.error)}`);
    this.found ??= { torch: String(r.torch), blas: (r.blas as string[] | undefined) ?? [] };
  }

  /** One timed step, run and timed in the child. */
  async sample(): Promise<RemoteSample> {
    const r = await this.ask({ op: "run" });
    if ("error" in r) throw new Error(`PyTorch: ${String(r.error)}`);
    return r as unknown as RemoteSample;
  }

  /** Ends the child. */
  close(): void {
    this.child?.stdin.end();
    this.child = null;
  }

  private async start(): Promise<ChildProcess> {
    if (this.child) return this.child;
    const { spawn } = await import("node:child_process");
    const env: Record<string, string | undefined> = { ...process.env, FUNDL_TORCH_THREADS: String(this.threads), OMP_NUM_THREADS: String(this.threads), OPENBLAS_NUM_THREADS: String(this.threads) };
    delete env.OPENBLAS_CORETYPE; // OpenBLAS then picks its AVX-512 kernels on this CPU
    delete env.OPENBLAS_L2_SIZE;
    env.OPENBLAS_VERBOSE = "2"; // OpenBLAS names the kernels it chose ("Core: …") on stderr
    if (this.passive) env.OMP_WAIT_POLICY = "PASSIVE";
    else delete env.OMP_WAIT_POLICY;
    const py = await findPython();
    if ("missing" in py) throw new Error(py.missing);
    const child = spawn(py.path, ["-u", "-c", SCRIPT], { env, stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      this.buffered += chunk;
      for (let nl = this.buffered.indexOf("\n"); nl >= 0; nl = this.buffered.indexOf("\n")) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.pending.shift()?.(line);
      }
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
      this.blasCore ??= /Core: (\S+)/.exec(stderr)?.[1] ?? null;
    });
    child.on("exit", (code) => {
      for (const resolve of this.pending.splice(0)) resolve(JSON.stringify({ error: `python3 exited (${code}): ${stderr.trim().split("\n").pop() ?? ""}` }));
      this.child = null;
    });
    this.child = child;
    return child;
  }

  private async ask(cmd: object): Promise<Record<string, unknown>> {
    const child = await this.start();
    const line = await new Promise<string>((resolve) => {
      this.pending.push(resolve);
      child.stdin.write(JSON.stringify(cmd) + "\n");
    });
    return JSON.parse(line) as Record<string, unknown>;
  }
}
