import type { Usage } from "../engine/engine.ts";

/** A run that ended, as the metrics count it: its language, `ok` or its error code, and what it used. */
export interface RunEnded {
  language: string;
  outcome: string;
  usage: Usage;
}

/**
 * What the server counts for its operators (`GET /metrics`). The core reports each fact once, where
 * it happens: a run that ended (Runs), an HTTP request answered (the app, by its route pattern). An
 * adapter implements it and adds its own facts (Node: prom-client, with the worker pool's queue,
 * workers, restarts and the warm pools the workers report). prom-client needs Node's built-ins, so
 * the core names only this interface; where no adapter gives one (the edge adapters), `/metrics` is absent.
 */
export interface Metrics {
  runEnded(run: RunEnded): void;
  /** An answered request: `route` is the matched pattern (`/v1/scripts/:name`), never the raw path, so the labels stay few. */
  httpRequest(route: string, status: number): void;
  /** Everything counted, in Prometheus's text exposition format. */
  scrape(): Promise<{ contentType: string; text: string }>;
}
