import type { GuestDriver } from "../../src/engine/component/guest-driver.ts";

/**
 * Drives a caller's own component of world `kiln:sandbox/script`: `run(input)` takes the input as
 * JSON text and returns JSON text; its `err` is the guest's error message.
 */
export const componentDriver: GuestDriver = {
  run(instance, job, { reseed }) {
    reseed();
    let text: unknown;
    try {
      text = instance.run(job.inputJson);
    } catch (e) {
      const payload = (e as { payload?: unknown }).payload;
      if (typeof payload === "string") return { ok: false, error: { code: "guest_error", message: payload } };
      throw e;
    }
    try {
      JSON.parse(text as string);
    } catch {
      return { ok: false, error: { code: "guest_error", message: "the component's run returned text that is not JSON" } };
    }
    return { ok: true, json: text as string };
  },
};
