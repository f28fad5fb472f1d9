/**
 * The part of vitest's API the shared store cases use (`it`, `expect`), for running them on Deno and Bun
 * (store-cases.ts), where vitest itself does not run: `it` only records each case, and `expect` is
 * vitest's own (@vitest/expect's matchers on chai, as vitest builds it).
 */
import * as chai from "chai";
import { ASYMMETRIC_MATCHERS_OBJECT, JestAsymmetricMatchers, JestChaiExpect, JestExtend } from "@vitest/expect";

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

/** What `expect` is in vitest, minus its per-test bookkeeping. */
export const expect = Object.assign((value: unknown, message?: string) => chai.expect(value, message), chai.expect, (globalThis as Record<symbol, object>)[ASYMMETRIC_MATCHERS_OBJECT]) as unknown as typeof import("vitest").expect;

/** The cases recorded by `it`, in order. */
export const recorded: { name: string; run: () => unknown }[] = [];

export function it(name: string, run: () => unknown): void {
  recorded.push({ name, run });
}
