import type { CallerComponentsDescriptor } from "../../src/engine/component/runtime-descriptor.ts";
import { componentDriver } from "./driver.ts";

/**
 * Callers' own WebAssembly components as a language: each run names a component uploaded with
 * `POST /v1/components`, which Kiln meters and caps like its own runtimes. Served where the adapter
 * can prepare components with jco (the Node server).
 */
export const component: CallerComponentsDescriptor = {
  engine: "component",
  callerComponents: true,
  language: { name: "component", aliases: [], version: "WebAssembly components of world kiln:sandbox/script@0.1.0 (WASI 0.2)" },
  driver: componentDriver,
};
