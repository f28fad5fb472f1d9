import type { Hono } from "hono";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createQuickJSEngine } from "./default-engines.ts";
import type { Engine } from "./engine/engine.ts";
import type { HttpTransport } from "./host/http-transport.ts";
import { MemoryKvStore, type KvStore } from "./host/kv-store.ts";

/**
 * The app with its engine in the same thread: how Kiln runs on edge runtimes (workerd, Deno, Bun),
 * where there are no worker threads. Deadlines are checked at every fuel poll; a native built-in
 * that never polls is bounded only by the memory cap and the platform's own CPU limit.
 * `kv` uses an in-memory store unless another is given; `http` is granted only with a transport.
 */
export function createInProcessApp(options: {
  wasmModule: WebAssembly.Module;
  env: Record<string, string | undefined>;
  kv?: KvStore;
  http?: HttpTransport;
}): { app: Hono; engine: Engine; port: number; host: string } {
  const config = loadConfig(options.env);
  const engine = createQuickJSEngine(options.wasmModule, { services: { kv: options.kv ?? new MemoryKvStore(), http: options.http } });
  return { app: createApp({ config, engines: [engine] }), engine, port: config.port, host: config.host };
}
