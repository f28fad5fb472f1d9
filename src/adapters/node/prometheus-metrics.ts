import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics, RunEnded } from "../../platform/metrics.ts";
import type { WorkerPoolMetrics } from "./worker-pool.ts";

/** Run wall time, in seconds: from a few milliseconds (a warm run) to the longest deadline. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Fuel units (one is about 10,000 interpreter ticks): from a trivial handler to KILN_MAX_FUEL's default and past it. */
const FUEL_BUCKETS = [10, 100, 1_000, 5_000, 10_000, 50_000, 100_000, 200_000, 1_000_000];

/** What the pool lets the metrics read at each scrape. */
export interface ObservedPool {
  readonly queueDepth: number;
  readonly busyWorkers: number;
  readonly threads: number;
  readonly warmPoolBytes: Record<string, number>;
}

/**
 * Kiln's metrics on Node, with prom-client in its own registry: the core's facts (runs, HTTP requests),
 * the worker pool's (restarts, the warm pools' counts the workers report), gauges read from the pool at
 * each scrape (queue, busy workers), and the process's own (`collectDefaultMetrics`).
 */
export class PrometheusMetrics implements Metrics, WorkerPoolMetrics {
  readonly registry = new Registry();
  readonly #runs: Counter<"language" | "outcome">;
  readonly #duration: Histogram<"language" | "start">;
  readonly #fuel: Histogram<"language">;
  readonly #http: Counter<"route" | "status">;
  readonly #restarts: Counter<"reason">;
  readonly #warm: Record<"hits" | "misses" | "evictions", Counter<"pool">>;

  constructor() {
    const registers = [this.registry];
    this.#runs = new Counter({ name: "kiln_runs_total", help: "Runs that ended, by language and outcome (ok or the error code)", labelNames: ["language", "outcome"], registers });
    this.#duration = new Histogram({
      name: "kiln_run_duration_seconds",
      help: "Runs' wall time, by language and how the sandbox started (fresh, warm, restored; none where a watchdog kill lost it)",
      labelNames: ["language", "start"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#fuel = new Histogram({ name: "kiln_fuel_used", help: "Fuel runs used, by language (runs a watchdog stopped have no count)", labelNames: ["language"], buckets: FUEL_BUCKETS, registers });
    this.#http = new Counter({ name: "kiln_http_requests_total", help: "Answered HTTP requests, by matched route pattern and status", labelNames: ["route", "status"], registers });
    this.#restarts = new Counter({ name: "kiln_worker_restarts_total", help: "Worker threads replaced: stopped by the watchdog, or exited", labelNames: ["reason"], registers });
    for (const reason of ["watchdog", "exit"]) this.#restarts.inc({ reason }, 0);
    const warm = (what: "hits" | "misses" | "evictions", help: string) => new Counter({ name: `kiln_warm_pool_${what}_total`, help, labelNames: ["pool"], registers });
    this.#warm = {
      hits: warm("hits", "Runs that found a warm instance kept (pool quickjs-snapshots: a session at its snapshot; components: a runtime instance)"),
      misses: warm("misses", "Runs that found none (quickjs-snapshots: the snapshot restored into a new instance; components: a new or restored instance)"),
      evictions: warm("evictions", "Kept instances and snapshots dropped for the byte budget"),
    };
    collectDefaultMetrics({ register: this.registry });
  }

  runEnded({ language, outcome, usage }: RunEnded): void {
    this.#runs.inc({ language, outcome });
    this.#duration.observe({ language, start: usage.start ?? "none" }, usage.wallMs / 1000);
    if (usage.fuel !== null) this.#fuel.observe({ language }, usage.fuel);
  }

  httpRequest(route: string, status: number): void {
    this.#http.inc({ route, status: String(status) });
  }

  workerRestarted(reason: "watchdog" | "exit"): void {
    this.#restarts.inc({ reason });
  }

  warmPool(pool: string, added: { hits: number; misses: number; evictions: number }): void {
    for (const what of ["hits", "misses", "evictions"] as const) if (added[what] > 0) this.#warm[what].inc({ pool }, added[what]);
  }

  /** Gauges read from the pool at each scrape: queue depth, busy and live workers, warm pool bytes. */
  observe(pool: ObservedPool): void {
    const registers = [this.registry];
    new Gauge({ name: "kiln_queue_depth", help: "Runs waiting for a worker", registers, collect() { this.set(pool.queueDepth); } });
    new Gauge({ name: "kiln_workers_busy", help: "Workers running a job", registers, collect() { this.set(pool.busyWorkers); } });
    new Gauge({ name: "kiln_workers", help: "Worker threads alive (spares included)", registers, collect() { this.set(pool.threads); } });
    new Gauge({
      name: "kiln_warm_pool_bytes",
      help: "Bytes the workers' warm pools hold, by pool, as of each worker's last reply",
      labelNames: ["pool"],
      registers,
      collect() {
        for (const [name, bytes] of Object.entries(pool.warmPoolBytes)) this.set({ pool: name }, bytes);
      },
    });
  }

  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
