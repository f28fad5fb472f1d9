/**
 * The thread that checks and prepares uploaded components (jco's transpile and binaryen's fuel pass
 * run synchronously for seconds: off the thread that serves requests). Answers each
 * `{id, bytes, cacheDir}` with `{id, shape}`, `{id, requestError}` or `{id, hostError}`.
 */
import { parentPort } from "node:worker_threads";
import { RequestError } from "../../errors.ts";
import { checkAndPrepareComponent } from "./prepare-caller-component.ts";
import type { CheckReply, CheckRequest } from "./threaded-component-checker.ts";

const port = parentPort!;
port.on("message", async ({ id, bytes, cacheDir }: CheckRequest) => {
  let reply: CheckReply;
  try {
    reply = { id, shape: await checkAndPrepareComponent(bytes, { cacheDir }) };
  } catch (e) {
    reply = e instanceof RequestError ? { id, requestError: { code: e.code, message: e.message } } : { id, hostError: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
