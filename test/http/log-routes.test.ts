/** The log stream through the real app: `ready` first, `log` lines, and a `run` event for every run, failed ones included. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { appWith, coreEngine, testConfig } from "../helpers/fixtures.ts";

let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;
beforeAll(async () => {
  engine = await coreEngine();
  h = await appWith(engine, testConfig);
});
afterAll(() => engine.dispose());

/** Subscribes to the stream and gathers its events as `{event, data}` until `stop`. */
async function subscribe(query = "", token = h.token) {
  const res = await h.app.request(`/v1/logs/stream${query}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const events: { event: string; data: any }[] = [];
  let text = "";
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += new TextDecoder().decode(value);
      let end;
      while ((end = text.indexOf("\n\n")) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? "";
        events.push({ event, data: data ? JSON.parse(data) : data });
      }
    }
  })();
  await expect.poll(() => events.length).toBeGreaterThan(0);
  return { events, stop: () => reader.cancel().then(() => pump) };
}

describe("GET /v1/logs/stream", () => {
  it("starts with ready, then sends each run's lines and a run event with its outcome and usage, failures included", async () => {
    const stream = await subscribe();
    expect(stream.events[0]).toEqual({ event: "ready", data: { tenant: h.tenantId, script: null } });
    await h.post({ language: "js", code: "console.log('fine'); export default () => 1" });
    await h.post({ language: "js", code: "console.log('fail out'); throw new Error('x')" });
    await h.post({ language: "js", code: "export default () => { while (true) {} }", limits: { fuel: 20 } });
    await expect.poll(() => stream.events.filter((e) => e.event === "run").length).toBe(3);
    await stream.stop();
    const events = stream.events.slice(1);
    expect(events.map((e) => [e.event, e.data.stream, e.data.message ?? null, e.data.outcome ?? null])).toEqual([
      ["log", "stdout", "fine\n", null],
      ["run", "run", null, "ok"],
      ["log", "stdout", "fail out\n", null],
      ["run", "run", expect.stringMatching(/\bx\b/), "guest_error"],
      ["run", "run", expect.any(String), "fuel_exhausted"],
    ]);
    for (const { data } of events) {
      expect(data.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(data).toMatchObject({ runId: expect.any(String), script: null, version: null });
    }
    const runs = events.filter((e) => e.event === "run").map((e) => e.data);
    expect(runs[0]).toMatchObject({ language: "javascript", usage: { fuel: expect.any(Number), wallMs: expect.any(Number) } });
    // A run's lines and its run event share its id.
    expect(events[0]!.data.runId).toBe(runs[0].runId);
    expect(new Set(runs.map((r) => r.runId)).size).toBe(3);
  });

  it("keeps one script's events with ?script=, run events included", async () => {
    const stream = await subscribe("?script=watched");
    expect(stream.events[0]!.data).toEqual({ tenant: h.tenantId, script: "watched" });
    await h.request("/v1/scripts/watched", { method: "PUT", body: { language: "js", code: "export default (n) => { if (n) throw new Error('no'); return 'yes' }" } });
    await h.request("/v1/scripts/watched/invoke", { method: "POST", body: 0 });
    await h.post({ language: "js", code: "1" });
    await h.request("/v1/scripts/watched/invoke", { method: "POST", body: 1 });
    await expect.poll(() => stream.events.length).toBe(3);
    await stream.stop();
    expect(stream.events.slice(1).map((e) => [e.event, e.data.script, e.data.version, e.data.outcome])).toEqual([
      ["run", "watched", 1, "ok"],
      ["run", "watched", 1, "guest_error"],
    ]);
  });

  it("refuses unknown query fields and tokens without the logs scope", async () => {
    const res = await h.request("/v1/logs/stream?scrpt=x");
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/scrpt: unknown field/);
    const runOnly = (await h.request(`/v1/tenants/${h.tenantId}/tokens`, { body: { scopes: ["run"] }, as: h.adminToken })).body.token;
    expect((await h.request("/v1/logs/stream", { as: runOnly })).status).toBe(403);
  });
});
