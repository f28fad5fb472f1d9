import { describe, expect, it } from "vitest";
import { adHocCodeKey } from "../../src/platform/ad-hoc-code-key.ts";
import type { RunJob } from "../../src/engine/engine.ts";

const job = (code: string, extra: Partial<RunJob> = {}) => ({ language: "javascript", code, ...extra }) as RunJob;

describe("adHocCodeKey", () => {
  it("is the first 16 bytes of a SHA-256 of the language, code, component and files, the same when asked again (cached)", async () => {
    const text = JSON.stringify(["javascript", "export default () => 1", null]);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
    const expected = [...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await adHocCodeKey(job("export default () => 1"))).toBe(expected);
    expect(await adHocCodeKey(job("export default () => 1"))).toBe(expected);
  });

  it("differs with the code, the language or the files", async () => {
    const keys = await Promise.all([
      adHocCodeKey(job("a")),
      adHocCodeKey(job("b")),
      adHocCodeKey(job("a", { language: "typescript" })),
      adHocCodeKey(job("a", { files: [{ name: "x.js", content: "1" }] } as Partial<RunJob>)),
    ]);
    expect(new Set(keys).size).toBe(4);
  });
});
