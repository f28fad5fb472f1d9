/**
 * Recording and replay at the engine, in the component languages (Python, Lua, Ruby) on the component
 * engine in this process: a recorded run's tape (seeds, clock readings, host answers) replays to the
 * same result, stdout and fuel with kv changed; a run asking for other calls diverges at that call.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../src/engine/component/component-engine.ts";
import type { RunJob } from "../../src/engine/engine.ts";
import { componentEngine, job } from "../helpers/fixtures.ts";

const PROGRAMS: Record<string, { code: string; changed: string }> = {
  python: {
    code: `import kiln, random, time
def main(input):
    v = kiln.kv.get("k")
    out = [v, random.random(), random.randint(0, 10**9), time.time(), time.monotonic()]
    print(out)
    return out`,
    changed: `import kiln
def main(input):
    return [kiln.kv.get("other")]`,
  },
  lua: {
    code: `function main(input)
  local v = kiln.kv.get("k")
  local out = { v, math.random(), math.random(1, 1000000000), os.time(), os.clock() }
  print(out[1], out[2], out[3], out[4], out[5])
  return out
end`,
    changed: `function main(input) return { kiln.kv.get("other") } end`,
  },
  ruby: {
    code: `def main(input)
  v = Kiln::KV.get("k")
  out = [v, rand, rand(1_000_000_000), Time.now.to_f, Process.clock_gettime(Process::CLOCK_MONOTONIC)]
  puts out.inspect
  out
end`,
    changed: `def main(input) = [Kiln::KV.get("other")]`,
  },
};

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
}, 300_000);
afterAll(() => engine.dispose());

const grants = { kv: { namespace: "tape" }, secrets: {} };
const jobOf = (language: string, code: string): RunJob => job(language, code, { limits: { timeoutMs: 60_000 }, grants });

describe.each(Object.keys(PROGRAMS))("%s", (language) => {
  it("replays a recorded run to the same result, stdout and fuel, and diverges where changed code asks for another call", async () => {
    // The component engine's kv goes through its blocking host thread (its own store): set it through a run.
    const set = (value: string) => engine.run(jobOf("lua", `function main() kiln.kv.set("k", ${JSON.stringify(value)}) return 1 end`));
    const first = await set("first");
    expect(first.ok, JSON.stringify(first)).toBe(true);
    const recorded = await engine.run({ ...jobOf(language, PROGRAMS[language]!.code), record: true });
    expect(recorded, JSON.stringify(recorded)).toMatchObject({ ok: true });
    expect((recorded as { result: unknown[] }).result[0]).toBe("first");
    const tape = recorded.recording!;
    expect(tape.calls).toEqual([{ call: "kv.get", args: ["k"], value: "first" }]);
    expect(tape.seeds.length).toBe(2);
    expect(tape.clock.length).toBeGreaterThanOrEqual(2);
    expect((await set("second")).ok).toBe(true);

    const replay = await engine.run({ ...jobOf(language, PROGRAMS[language]!.code), replay: tape });
    expect(replay, JSON.stringify(replay)).toMatchObject({ ok: true, result: (recorded as { result: unknown }).result, stdout: recorded.stdout });
    expect(replay.diverged).toBeUndefined();
    expect(replay.usage.fuel).toBe(recorded.usage.fuel);
    // Unrecorded, the same code draws other numbers and reads the new value.
    const live = await engine.run(jobOf(language, PROGRAMS[language]!.code));
    expect((live as { result: unknown[] }).result[0]).toBe("second");
    expect((live as { result: unknown[] }).result[1]).not.toEqual((recorded as { result: unknown[] }).result[1]);

    const changed = await engine.run({ ...jobOf(language, PROGRAMS[language]!.changed), replay: tape });
    expect(changed.diverged).toEqual({ at: 0, expected: 'kv.get("k")', actual: 'kv.get("other")' });
    expect(changed.ok).toBe(false);
  }, 300_000);
});
