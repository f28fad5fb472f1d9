import { guestCall, guestResultOf, type GuestDriver, type GuestResult } from "../../src/engine/component/guest-driver.ts";
import { wrapPython } from "./binding.ts";

/**
 * Drives the Python reactor (a Wizer snapshot of an initialised CPython): one call of `run` with
 * the wrapped program, `random` reseeded from the host's random source for each run. A deploy-time
 * check (`evaluateOnly`) runs the script's top level and does not call `main`. The run's `args` and
 * `files` go to the runner; its stdin is on WASI's stdin (sys.stdin reads it).
 */
export const pythonDriver: GuestDriver = {
  run(instance, job, { seed, reseed }) {
    reseed();
    return guestCall(
      () => instance.run(wrapPython(job.code, job.inputJson, seed, { evaluateOnly: job.evaluateOnly, args: job.args, files: job.files })) as string | Promise<string>,
      guestResultOf,
      (e): GuestResult => {
        const payload = (e as { payload?: unknown }).payload;
        if (typeof payload !== "string") throw e;
        if (payload.startsWith("memory:")) return { ok: false, outOfMemory: true };
        return { ok: false, error: { code: "guest_error", message: payload.replace(/^runtime:/, "") } };
      },
    );
  },
};
