/** The shape every hostile-language suite shares: each case must end as expected, then a benign run on the same server must succeed. */
import { expect, it } from "vitest";
import type { usePoolApp } from "./fixtures.ts";

/** [what, code, limits, the error code it must end with (or "ok")] */
export type HostileCase = [string, string, Record<string, number> | undefined, string];

export function hostileCases(server: ReturnType<typeof usePoolApp>, options: { language: string; benign: { code: string; input: unknown; result: unknown }; cases: HostileCase[] }) {
  const { language, benign, cases } = options;
  for (const [what, code, limits, expected] of cases) {
    it(what, async () => {
      const { status, body } = await server.h.post({ language, code, limits });
      expect(status).toBe(200);
      expect(body.ok ? "ok" : body.error.code).toBe(expected);
      const after = await server.h.post({ language, code: benign.code, input: benign.input });
      expect(after.body).toMatchObject({ ok: true, result: benign.result });
    });
  }
}
