import type { GuestDriver, GuestResult } from "./guest-driver.ts";
import { wrapLua } from "./lua-wrapper.ts";

/** Drives the Lua reactor: one call of its `run` export with the wrapped chunk. */
export const luaDriver: GuestDriver = {
  run(instance, job, { seed, reseed }) {
    reseed();
    try {
      return { ok: true, json: instance.run(wrapLua(job.code, job.inputJson, seed)) };
    } catch (e) {
      const payload = (e as { payload?: unknown }).payload;
      if (typeof payload === "string") return luaFailure(payload);
      throw e;
    }
  },
};

/** Maps the runtime's `<kind>:<message>` error to a guest result. */
function luaFailure(payload: string): GuestResult {
  const [kind, ...rest] = payload.split(":");
  const message = rest.join(":");
  if (kind === "memory" || /not enough memory/.test(message)) return { ok: false, outOfMemory: true };
  if (message.startsWith("syntax:")) {
    const text = message.slice("syntax:".length);
    const line = /^script:(\d+):/.exec(text)?.[1];
    return { ok: false, error: { code: "syntax_error", message: `SyntaxError: ${text}`, ...(line ? { line: Number(line) } : {}) } };
  }
  return { ok: false, error: { code: "guest_error", message } };
}
