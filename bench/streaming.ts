/**
 * What streaming costs, for `npm run bench`: `POST /v1/run` of a handler that prints a line, over HTTP to a
 * real Node server with its worker pool (started as `npm start` starts it), unstreamed (JSON) and streamed
 * (`Accept: text/event-stream`, read to its `result`), measured in alternation so a drift in the machine
 * touches both alike. Returns its section of bench/RESULTS.md. `BENCH_STREAM_N` runs each (default 500).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serverSentEvents } from "../src/client/server-sent-events.ts";
import { startKiln } from "../test/helpers/kiln-process.ts";

const CODE = 'export default () => { console.log("hi"); return 1 }';

const quantile = (samples: number[], q: number) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(samples.length * q))]!;

export async function streamingSection(options: { n?: number } = {}): Promise<string> {
  const n = options.n ?? Number(process.env.BENCH_STREAM_N ?? 500);
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-stream-"));
  const kiln = await startKiln({ KILN_DB_PATH: join(dir, "kiln.sqlite"), KILN_SPARE_WORKERS: "0", KILN_WARM_UP: "", KILN_RATE_TENANT_PER_MINUTE: String(1e9) });
  try {
    const post = (accept: string) =>
      fetch(`${kiln.base}/v1/run`, {
        method: "POST",
        headers: { authorization: `Bearer ${kiln.token}`, "content-type": "application/json", accept },
        body: JSON.stringify({ language: "javascript", code: CODE }),
      });
    const plain = async () => {
      const body = (await (await post("application/json")).json()) as { ok?: boolean };
      if (!body.ok) throw new Error(`bench/streaming: ${JSON.stringify(body)}`);
    };
    const streamed = async () => {
      const response = await post("text/event-stream");
      let result: { ok?: boolean } | undefined;
      for await (const { event, data } of serverSentEvents(response.body!)) if (event === "result") result = JSON.parse(data);
      if (!result?.ok) throw new Error(`bench/streaming: no successful result (${response.status})`);
    };
    const timed = async (fn: () => Promise<void>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    for (let i = 0; i < Math.min(50, n); i++) {
      await plain();
      await streamed();
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < n; i++) {
      a.push(await timed(plain));
      b.push(await timed(streamed));
    }
    const row = (name: string, s: number[]) => `| ${name} | ${quantile(s, 0.5).toFixed(2)} | ${quantile(s, 0.99).toFixed(2)} |`;
    return [
      "## Streaming output",
      "",
      `\`POST /v1/run\` over HTTP to a Node server (worker pool), a JavaScript handler that prints a line, ${n} runs each, alternating.`,
      "",
      "| request | p50 ms | p99 ms |",
      "|---|---|---|",
      row("JSON (unstreamed)", a),
      row("`Accept: text/event-stream`", b),
      "",
      `Streamed / unstreamed at p50: **${(quantile(b, 0.5) / quantile(a, 0.5)).toFixed(2)}×**.`,
      "",
    ].join("\n");
  } finally {
    kiln.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await streamingSection());
