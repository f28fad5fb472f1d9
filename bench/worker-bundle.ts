/**
 * The Worker's bundle for `npm run bench` (issue 21): its size per component language, against
 * Cloudflare's Worker size limit, and warm runs on workerd next to the same runs on a Node server, both
 * over HTTP (`POST /v1/run`, one request at a time). Builds with src/adapters/workerd/build.ts into
 * temporary folders. Returns its section of bench/RESULTS.md. `node --import tsx bench/worker-bundle.ts`
 * prints the section alone (BENCH_WORKERD_N=3 for a smoke run).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../src/config.ts";
import { DEFAULT_WORKER_COMPONENTS } from "../src/adapters/workerd/bundle-component-runtimes.ts";
import { FORMER_COMPRESSED_LIMIT, WORKER_SIZE_LIMIT } from "../src/adapters/workerd/worker-size.ts";
import { freePort, startKiln } from "../test/helpers/kiln-process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const N = Number(process.env.BENCH_WORKERD_N ?? 200);
const WARMUP = Math.max(1, Math.min(20, Math.floor(N / 10)));
const LANGUAGES = ["lua", "python", "ruby"];
/** What each language runs, warm: the same script on both runtimes. */
const SCRIPTS: Record<string, string> = {
  lua: "function main(i) return 1 + 1 end",
  python: "print(1+1)",
  ruby: "puts 1+1",
};

interface Size {
  raw: number;
  gzip: number;
  files: { name: string; raw: number; gzip: number }[];
}

/** Builds the Worker with `languages` into a new folder; returns the folder and its size.json. */
function buildWorker(languages: string[]): { dir: string; size: Size } {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-worker-"));
  execFileSync(process.execPath, ["--import", "tsx", "src/adapters/workerd/build.ts"], {
    cwd: ROOT,
    stdio: "pipe",
    env: { ...process.env, KILN_WORKER_OUT: dir, KILN_WORKER_LANGUAGES: languages.join(",") || "none", KILN_WORKER_SIZE_CHECK: "off" },
  });
  return { dir, size: JSON.parse(readFileSync(join(dir, "size.json"), "utf8")) as Size };
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: q(0.5), p99: q(0.99) };
}

/**
 * p50/p99 of `N` warm runs of `language` on the server at `base`, after WARMUP unmeasured ones. The
 * deadline is the largest default maximum: on Node a run past it stops its worker, whose replacement
 * starts cold again, which on a loaded machine can run past a 5 s deadline run after run.
 */
async function warmRuns(base: string, token: string, language: string) {
  const run = async () => {
    const res = await fetch(`${base}/v1/run`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ language, code: SCRIPTS[language], limits: { timeoutMs: 30_000 } }) });
    const body = (await res.json()) as { ok?: boolean; error?: unknown };
    if (!body.ok) throw new Error(`${language} on ${base}: ${JSON.stringify(body)}`);
  };
  // Warm-up: a server's first runs may still be starting its instances (a cold Python or Ruby past the deadline on a loaded machine).
  let warmedUp = 0;
  for (let attempt = 0; warmedUp < WARMUP; attempt++) {
    try {
      await run();
      warmedUp++;
    } catch (e) {
      if (attempt >= WARMUP + 10) throw e;
    }
  }
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

/** workerd serving the Worker built in `dir`, on a free port, with its dev tenant token. */
async function startWorkerd(dir: string): Promise<{ base: string; token: string; child: ChildProcess; kvDir: string }> {
  const kvDir = mkdtempSync(join(tmpdir(), "kiln-bench-workerd-kv-"));
  const port = await freePort();
  const child = spawn(join(ROOT, "node_modules/.bin/workerd"), ["serve", join(dir, "config.capnp"), "--socket-addr", `http=127.0.0.1:${port}`, "--directory-path", `kv-disk=${kvDir}`], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${out}`);
    const token = /"tenantToken":"([^"]+)"/.exec(out)?.[1];
    if (token) return { base, token, child, kvDir };
    // The Worker builds the app (and logs the dev tokens) on its first request.
    await fetch(`${base}/healthz`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`workerd never logged a token: ${out}`);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

export async function workerBundleSection(config: Pick<Config, "cacheDir">): Promise<string> {
  // Sizes: the Worker without component languages, and with all three (each language's modules carry its name).
  const bare = buildWorker([]);
  const all = buildWorker(LANGUAGES);
  const glue = { raw: all.size.files.find((f) => f.name === "worker.js")!.raw - bare.size.files.find((f) => f.name === "worker.js")!.raw };
  const perLanguage = LANGUAGES.map((language) => {
    const files = all.size.files.filter((f) => f.name.startsWith(`${language}.`));
    return { language, raw: files.reduce((n, f) => n + f.raw, 0), gzip: files.reduce((n, f) => n + f.gzip, 0) };
  });
  const fits = (raw: number) => (raw <= WORKER_SIZE_LIMIT ? "yes" : "no");
  const sizeRows = [
    `| JavaScript and TypeScript only (QuickJS, esbuild-wasm, the app) | ${mb(bare.size.raw)} | ${mb(bare.size.gzip)} | ${fits(bare.size.raw)} |`,
    ...perLanguage.map((l) => `| + ${l.language} (its core modules${l.language === "python" ? " and the stdlib zip" : ""}) | ${mb(l.raw)} | ${mb(l.gzip)} | ${fits(bare.size.raw + l.raw)} alone with JS/TS |`),
    `| all three languages | ${mb(all.size.raw)} | ${mb(all.size.gzip)} | ${fits(all.size.raw)} |`,
  ];
  const defaults = DEFAULT_WORKER_COMPONENTS.languages;
  const defaultRaw = bare.size.raw + perLanguage.filter((l) => defaults.includes(l.language)).reduce((n, l) => n + l.raw, 0);
  rmSync(bare.dir, { recursive: true, force: true });
  rmSync(`${bare.dir}.stage`, { recursive: true, force: true });

  // Warm runs: workerd serving the all-languages build, and a Node server, one request at a time.
  const workerd = await startWorkerd(all.dir);
  const nodeDir = mkdtempSync(join(tmpdir(), "kiln-bench-node-"));
  const node = await startKiln({ KILN_DB_PATH: join(nodeDir, "kiln.sqlite"), KILN_CACHE_DIR: config.cacheDir, KILN_RATE_TENANT_PER_MINUTE: String(1e9) });
  const timingRows: string[] = [];
  try {
    for (const language of LANGUAGES) {
      process.stderr.write(`worker bundle: warm ${language} runs\n`);
      const onWorkerd = await warmRuns(workerd.base, workerd.token, language);
      const onNode = await warmRuns(node.base, node.token, language);
      timingRows.push(`| ${language} \`${SCRIPTS[language]}\` | ${onWorkerd.p50.toFixed(2)} | ${onWorkerd.p99.toFixed(2)} | ${onNode.p50.toFixed(2)} | ${onNode.p99.toFixed(2)} | ${(onWorkerd.p50 / onNode.p50).toFixed(2)}× |`);
    }
  } finally {
    workerd.child.kill("SIGKILL");
    node.child.kill("SIGTERM");
    if (node.child.exitCode === null) await new Promise((r) => node.child.once("exit", r));
    rmSync(nodeDir, { recursive: true, force: true });
    rmSync(workerd.kvDir, { recursive: true, force: true });
    rmSync(all.dir, { recursive: true, force: true });
    rmSync(`${all.dir}.stage`, { recursive: true, force: true });
  }

  return `## The Worker's bundle (workerd)

Sizes in MB (10^6 bytes) of the Worker's modules, each memory variant once (KILN_WORKER_MEMORY_MB=${DEFAULT_WORKER_COMPONENTS.memoryMb.join(",")}).
Cloudflare's limit is ${mb(WORKER_SIZE_LIMIT)} MB (64 MiB) uncompressed; the former Paid-plan limit was ${mb(FORMER_COMPRESSED_LIMIT)} MB
compressed. jco's glue for the three languages adds ${mb(glue.raw)} MB to worker.js. The default build (${defaults.join(", ")}) is ${mb(defaultRaw)} MB.

| what | MB | MB gzip | fits 64 MiB |
|---|---|---|---|
${sizeRows.join("\n")}

Warm runs over HTTP, one request at a time (n = ${N} after ${WARMUP}): workerd serving the Worker with all three languages,
and \`npm start\` on Node (worker threads), on the same machine.

| run | workerd p50 ms | workerd p99 ms | Node p50 ms | Node p99 ms | workerd ÷ Node |
|---|---|---|---|---|---|
${timingRows.join("\n")}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadConfig } = await import("../src/config.ts");
  console.log(await workerBundleSection(loadConfig(process.env)));
}
