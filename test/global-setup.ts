/**
 * Prepares every component runtime into .kiln/cache once, before the test files run in parallel
 * (each would otherwise build Ruby's ~30 MB module at the same time).
 */
import { componentRuntimes } from "../languages/index.ts";
import { prepareComponentRuntime } from "../src/adapters/node/prepare-component-runtime.ts";

export default async function setup(): Promise<void> {
  for (const descriptor of componentRuntimes) await prepareComponentRuntime(descriptor, { cacheDir: ".kiln/cache" });
}
