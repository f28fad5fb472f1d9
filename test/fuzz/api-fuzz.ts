/**
 * Black-box fuzzing of a live Kiln server (started as `npm start` does), across every route, with
 * fast-check. Shared by the seeded slice in `npm test` (api.test.ts) and `npm run test:fuzz`.
 *
 * Each case is one raw HTTP request (node:http, so GET, DELETE and OPTIONS can carry bodies and paths
 * are sent unnormalised). Properties checked on every response:
 * - no 5xx, and an answer within 10 s (no hang);
 * - every error (status >= 400) is 4xx JSON `{error:{code,message}}`;
 * - a response to anyone but tenant A never contains tenant A's marker (stored in its kv, a secret's
 *   name and value, a script's name and code, and its logs).
 * After the cases: /healthz answers ok and a benign run succeeds.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { ROOT } from "../helpers/kiln-process.ts";
import { responseChecker, type ResponseCheck } from "../helpers/openapi-responses.ts";

export const HANG_MS = 10_000;
/**
 * A component upload is checked and prepared (jco, binaryen's fuel pass) before it is answered: about
 * 4 s on an idle machine for the first one, longer on a loaded one. The fuzz server refuses a check
 * after KILN_COMPONENT_CHECK_TIMEOUT_MS (below this); a hang is no answer within this.
 */
export const COMPONENT_CHECK_MS = 20_000;
export const COMPONENT_HANG_MS = 30_000;
const hangMs = (req: { method: string; path: string }) => (req.method === "POST" && req.path === "/v1/components" ? COMPONENT_HANG_MS : HANG_MS);

export interface FuzzRequest {
  method: string;
  path: string;
  /** Which credential goes in `authorization` (resolved against the live server's tokens). */
  auth: Auth;
  contentType: string | null;
  body: Buffer | null;
  /** Extra raw headers. */
  headers: Record<string, string>;
}

export type Auth =
  | "none" | "tenantA" | "tenantB" | "dev" | "admin" | "forged" | "expired" | "alg-none" | "garbage"
  | "tenantB-no-scopes" | "basic" | "empty-bearer" | "wrong-typed-claims";

export interface Tokens {
  tenantA: string;
  tenantB: string;
  tenantBNoScopes: string;
  dev: string;
  admin: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

// ---------------------------------------------------------------------------------------------
// Generators

const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

function forgedJwt(claims: Record<string, unknown>, alg = "HS256", key = "not-the-server-key"): string {
  const head = b64url(JSON.stringify({ alg, typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  if (alg === "none") return `${head}.${body}.`;
  return `${head}.${body}.${b64url(randomBytes(32).toString("hex") + key)}`;
}

/** The `authorization` header for an Auth, given the live tokens. */
export function authHeader(auth: Auth, t: Tokens): string | null {
  const now = Math.floor(Date.now() / 1000);
  switch (auth) {
    case "none": return null;
    case "tenantA": return `Bearer ${t.tenantA}`;
    case "tenantB": return `Bearer ${t.tenantB}`;
    case "tenantB-no-scopes": return `Bearer ${t.tenantBNoScopes}`;
    case "dev": return `Bearer ${t.dev}`;
    case "admin": return `Bearer ${t.admin}`;
    case "basic": return `Basic ${b64url("a:b")}`;
    case "empty-bearer": return "Bearer ";
    case "garbage": return "Bearer \u00ff\u00fe.not.a.jwt";
    case "forged": return `Bearer ${forgedJwt({ sub: "anything", scope: "run deploy logs", iss: "kiln", aud: "kiln", iat: now, exp: now + 3600 })}`;
    case "alg-none": return `Bearer ${forgedJwt({ sub: "anything", scope: "run deploy logs", iss: "kiln", aud: "kiln", iat: now, exp: now + 3600 }, "none")}`;
    case "wrong-typed-claims": return `Bearer ${forgedJwt({ sub: 42, scope: ["run"], iss: {}, aud: 7, iat: "x", exp: "never" })}`;
    case "expired": {
      // Tenant A's real token with its payload swapped for an expired one: the signature no longer matches.
      const [h, , s] = t.tenantA.split(".");
      return `Bearer ${h}.${b64url(JSON.stringify({ sub: "x", scope: "run", iss: "kiln", aud: "kiln", iat: now - 7200, exp: now - 3600 }))}.${s}`;
    }
  }
}

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a).toString("hex"));

const LANGUAGES = ["javascript", "js", "typescript", "ts", "python", "py", "lua", "ruby", "rb", "PYTHON", "Lua5.4"] as const;

/** Real code per language: benign, throwing, printing, looping (cut short by small limits), not parsing. */
const CODE: Record<string, string[]> = {
  javascript: [
    "export default (input) => ({ echo: input })",
    "export default () => { throw new Error('boom') }",
    "export default () => { console.log('hi\\u0000there'); return 1 }",
    "export default () => { for (;;) {} }",
    "export default () => {",
    "import { log } from 'kiln'; export default (i) => { log.write('info', String(i)); return null }",
    "import { kv } from 'kiln'; export default async () => kv.list('', 100)",
    "export default async () => (await import('kiln')).secrets.get('NOPE')",
  ],
  typescript: [
    "export default (input: unknown): unknown => ({ echo: input })",
    "export default (): never => { throw new TypeError('t') }",
    "const x: number = ; export default () => x",
  ],
  python: [
    "def main(input):\n    return {'echo': input}\n",
    "def main(input):\n    raise ValueError('boom')\n",
    "def main(input):\n    while True:\n        pass\n",
    "def main(input)\n    return 1\n",
    "print('hi\\x00')\ndef main(input):\n    return 2**60\n",
  ],
  lua: [
    "function main(input) return { echo = input } end",
    "function main(input) error('boom') end",
    "function main(input) while true do end end",
    "function main(input",
    "print('hi\\0') function main(input) return #tostring(input) end",
  ],
  ruby: [
    "def main(input) = { 'echo' => input }",
    "def main(input)\n  raise 'boom'\nend",
    "def main(input)\n  loop {}\nend",
    "def main(input\n",
  ],
};
const languageFamily = (l: string) => {
  const k = l.toLowerCase();
  return k === "js" ? "javascript" : k === "ts" ? "typescript" : k === "py" ? "python" : k === "rb" ? "ruby" : k === "lua5.4" ? "lua" : k;
};

const weirdString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.constantFrom("", "\u0000", "a\u0000b", "\ud800", "\uffff", "💥", "../../etc/passwd", "%00", "null", "__proto__", "constructor"),
);

const hugeNumber = fc.oneof(
  fc.constantFrom(0, -1, -0, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 4294967296, 2147483648),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON value of wrong-ish type for any field. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  weirdString, hugeNumber, fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}),
  fc.array(fc.oneof(weirdString, hugeNumber), { maxLength: 3 }),
  fc.dictionary(weirdString, fc.oneof(weirdString, hugeNumber), { maxKeys: 3 }),
);

const limits = fc.oneof(
  fc.record({ fuel: fc.integer({ min: 1, max: 400 }), timeoutMs: fc.integer({ min: 50, max: 1500 }) }),
  fc.record({ fuel: hugeNumber, timeoutMs: hugeNumber, memoryMb: hugeNumber }, { requiredKeys: [] }),
  fc.dictionary(weirdString, wrongType, { maxKeys: 3 }),
  wrongType,
);

const grants = fc.oneof(
  fc.constant(undefined),
  fc.record({ kv: fc.record({ namespace: fc.oneof(fc.constantFrom("m", "other", "", "../m", "m\u0000"), weirdString) }) }),
  fc.record({ secrets: fc.array(fc.oneof(fc.constantFrom("MARKER", "NOPE"), weirdString), { maxLength: 3 }) }),
  fc.record({ http: fc.record({ allow: fc.array(fc.oneof(fc.constantFrom("*", "127.0.0.1", "*.example.org"), weirdString), { maxLength: 2 }) }) }),
  wrongType,
);

/** A run body with real code, small limits. */
const realRun = fc
  .tuple(fc.constantFrom(...LANGUAGES), fc.nat(), fc.option(wrongType, { nil: undefined }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 100, max: 1500 }), fc.option(grants, { nil: undefined }))
  .map(([language, i, input, fuel, timeoutMs, g]) => {
    const codes = CODE[languageFamily(language)]!;
    return { language, code: codes[i % codes.length]!, input, limits: { fuel, timeoutMs, memoryMb: 128 }, ...(g === undefined ? {} : { grants: g }) };
  });

/** A run-ish object whose fields may have any type. */
const mangledRun = fc.record(
  {
    language: fc.oneof(fc.constantFrom(...LANGUAGES, "cobol", "component", "JAVASCRIPT"), wrongType),
    code: fc.oneof(fc.constant("export default () => 1"), wrongType),
    input: wrongType,
    limits,
    grants,
    component: fc.oneof(hex64, wrongType),
    value: wrongType,
    version: wrongType,
    name: wrongType,
    scopes: wrongType,
    ttlSeconds: hugeNumber,
  },
  { requiredKeys: [] },
);

const deepNesting = fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom("[", "{\"a\":")).map(([depth, open]) => {
  const close = open === "[" ? "]" : "}";
  return `{"language":"js","code":"export default (i) => 1","input":${open.repeat(depth)}1${close.repeat(depth)}}`;
});

const jsonText = fc.oneof(
  realRun.map((o) => JSON.stringify(o)),
  mangledRun.map((o) => JSON.stringify(o)),
  wrongType.map((v) => JSON.stringify(v) ?? "null"),
  deepNesting,
  // duplicate keys: the later one wins in JSON.parse; either must be handled.
  fc.constantFrom(
    '{"language":"js","language":"python","code":"export default () => 1","code":"def main(i):\\n  return 1\\n"}',
    '{"value":"a","value":{"x":1}}',
    '{"name":"x","name":["y"]}',
    '{"version":1,"version":"1"}',
    '{"language":"js","code":"export default () => 1","limits":{"fuel":5,"fuel":-5}}',
    '{"__proto__":{"language":"js"},"code":"export default () => 1"}',
    '{"constructor":{"prototype":{"x":1}},"language":"js","code":"export default () => 1"}',
  ),
);

const rawBody = fc.oneof(
  { weight: 6, arbitrary: jsonText.map((s) => Buffer.from(s)) },
  // truncated JSON
  { weight: 2, arbitrary: fc.tuple(jsonText, fc.nat()).map(([s, n]) => Buffer.from(s.slice(0, n % Math.max(1, s.length)))) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "null", "[]", "\"x\"", "1e99999", "{", "}", "\u0000", "\ufeff{}", "{\"a\":1}\u0000", "NaN", "undefined").map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 64 }).map((s) => Buffer.from(s, "utf8")) },
  // invalid UTF-8 inside a JSON string
  { weight: 1, arbitrary: fc.constant(Buffer.concat([Buffer.from('{"language":"js","code":"export default () => \''), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('\'"}')])) },
);

let echoComponent: Buffer | undefined;
const echo = () => (echoComponent ??= readFileSync(`${ROOT}test/fixtures/components/echo.component.wasm`));
const wasmHeader = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

/** Component uploads: random bytes, wasm-ish headers, a real component cut short or with a byte flipped. */
const componentBody = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.constantFrom([1, 0, 0, 0], [0x0d, 0, 1, 0], [0xff, 0xff, 0xff, 0xff]), fc.uint8Array({ maxLength: 256 })).map(([v, a]) => Buffer.concat([wasmHeader, Buffer.from(v), Buffer.from(a)])),
  fc.integer({ min: 0, max: 100_000 }).map((n) => echo().subarray(0, n % echo().length)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, b]) => {
    const copy = Buffer.from(echo());
    copy[at % copy.length] = b;
    return copy;
  }),
);

/** Node's client refuses raw non-ASCII and control characters in a path; they go percent-encoded. */
const pct = (ch: string) => [...Buffer.from(ch, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("");
const escapeRaw = (p: string) => p.replace(/[^\x21-\x7e]/gu, pct);

/** Path segments in names: traversal, encodings, long, unicode, NUL. */
const nameSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("fuzz", "MARKER", "a", "x-1", "NOPE") },
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "..", "../..", "%2e%2e", "%2E%2E%2F%2E%2E", "..%2f..%2fetc", "%2f", "%00", "a%00b", "%", "%zz", "%e0%80", "%c0%ae%c0%ae",
      "%ff", "%F0%9F%92%A5", "💥", "ü", "日本", ".", "~", "a;b", "a?b", "a#b", "%3f", "%23", "%0d%0aX-Injected:%201", "%5c..%5c", "a%20b",
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 9000 }).map((n) => "a".repeat(n)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map((s) => s.replace(/[^A-Za-z0-9_.~-]/gu, pct)) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 10 }).map((s) => s.replace(/[^A-Za-z0-9_.~-]/gu, pct)) },
  { weight: 1, arbitrary: hex64 },
).map(escapeRaw);

const TEMPLATES = [
  "/v1/run", "/v1/languages", "/healthz", "/v1/components", "/v1/components/:n", "/v1/scripts", "/v1/scripts/:n",
  "/v1/scripts/:n/versions", "/v1/scripts/:n/rollback", "/v1/scripts/:n/invoke", "/v1/secrets", "/v1/secrets/:n",
  "/v1/tenants", "/v1/tenants/:n/tokens", "/v1/logs/stream", "/v1/logs/stream?script=:n", "/v1", "/", "/v1/:n", "/v2/run",
  "/v1//run", "/v1/run/", "//v1/run", "/v1/./run", "/v1/scripts/:n/:n", "/v1/run?x=%zz", "/v1/RUN",
  // Run history (tenant A's runs hold its marker in their output, logs and result) and usage.
  "/v1/runs", "/v1/runs/:n", "/v1/runs?cursor=:n&limit=:n", "/v1/runs?script=:n&outcome=:n", "/v1/usage",
];


const path = fc.tuple(fc.constantFrom(...TEMPLATES), nameSegment, nameSegment).map(([t, a, b]) => {
  let first = true;
  return escapeRaw(t.replace(/:n/g, () => {
    const s = first ? a : b;
    first = false;
    return s;
  }));
});

const METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"];
const AUTHS: Auth[] = ["none", "tenantA", "tenantB", "tenantB", "tenantB", "tenantB", "dev", "admin", "forged", "expired", "alg-none", "garbage", "tenantB-no-scopes", "basic", "empty-bearer", "wrong-typed-claims"];
const CONTENT_TYPES = [
  null, "application/json", "application/json; charset=utf-8", "text/plain", "application/wasm", "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz", "multipart/form-data", "application/json; charset=latin1", "text/json", "*/*", ";;;", "application/octet-stream",
];

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ "accept-encoding": "gzip, br" }, { "content-encoding": "gzip" }, { expect: "100-continue" }, { "x-forwarded-for": "127.0.0.1" }, { host: "evil.example" }, { accept: "text/event-stream" }) },
);

/** Any request: random route, method, credential, content type and body. */
export const anyRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    path,
    auth: fc.constantFrom(...AUTHS),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    body: fc.option(rawBody, { nil: null, freq: 4 }),
    headers: extraHeaders,
  })
  .map((r) => ({ ...r, method: r.method === "HEAD" && r.body ? "GET" : r.method }));

/** Requests aimed at routes' real shapes, with tenant B's (the attacker's) or tenant A's token. */
const routeShaped: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.record({ body: realRun, auth: fc.constantFrom<Auth>("tenantB", "tenantB", "tenantA", "dev") }).map(({ body, auth }) => ({
    method: "POST", path: "/v1/run", auth, contentType: "application/json", body: Buffer.from(JSON.stringify(body)), headers: {},
  })),
  fc.record({ body: realRun, name: nameSegment, method: fc.constantFrom("PUT", "POST") }).map(({ body, name, method }) => ({
    method, path: method === "PUT" ? `/v1/scripts/${name}` : `/v1/scripts/${name}/invoke`, auth: "tenantB" as Auth,
    contentType: "application/json", body: Buffer.from(JSON.stringify(method === "PUT" ? body : body.input ?? null) ?? "null"), headers: {},
  })),
  fc.record({ name: nameSegment, value: wrongType, method: fc.constantFrom("PUT", "GET", "DELETE", "OPTIONS") }).map(({ name, value, method }) => ({
    method, path: `/v1/secrets/${name}`, auth: "tenantB" as Auth, contentType: "application/json", body: Buffer.from(JSON.stringify({ value })), headers: {},
  })),
  fc.record({ body: componentBody, ct: fc.constantFrom("application/wasm", "application/octet-stream", null, "application/json") }).map(({ body, ct }) => ({
    method: "POST", path: "/v1/components", auth: "tenantB" as Auth, contentType: ct, body, headers: {},
  })),
  fc.record({ body: mangledRun, auth: fc.constantFrom<Auth>("admin", "admin", "tenantB"), tokens: fc.boolean(), id: nameSegment }).map(({ body, auth, tokens, id }) => ({
    method: "POST", path: tokens ? `/v1/tenants/${id}/tokens` : "/v1/tenants", auth, contentType: "application/json", body: Buffer.from(JSON.stringify(body)), headers: {},
  })),
  // GET, DELETE and OPTIONS with bodies, on every route.
  fc.record({ method: fc.constantFrom("GET", "DELETE", "OPTIONS"), path, body: rawBody, ct: fc.constantFrom(...CONTENT_TYPES) }).map(({ method, path, body, ct }) => ({
    method, path, auth: "tenantB" as Auth, contentType: ct, body, headers: {},
  })),
  fc.record({ script: nameSegment }).map(({ script }) => ({
    method: "GET", path: `/v1/logs/stream?script=${script}`, auth: "tenantB" as Auth, contentType: null, body: null, headers: {},
  })),
);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof({ weight: 1, arbitrary: anyRequest }, { weight: 1, arbitrary: routeShaped });

// ---------------------------------------------------------------------------------------------
// Sending

/** Sends one raw request; an SSE stream is read for `sseMs` and then closed. Rejects after HANG_MS (COMPONENT_HANG_MS for an upload). */
export function send(base: string, req: FuzzRequest, tokens: Tokens, sseMs = 300): Promise<Reply> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...req.headers };
  const auth = authHeader(req.auth, tokens);
  if (auth !== null) headers.authorization = auth;
  if (req.contentType !== null) headers["content-type"] = req.contentType;
  if (req.body !== null) headers["content-length"] = String(req.body.length);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const r = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false });
    const timer = setTimeout(() => {
      r.destroy();
      reject(new Error(`hang: no complete answer to ${req.method} ${req.path.slice(0, 200)} within ${hangMs(req)} ms`));
    }, hangMs(req));
    r.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${req.method} ${req.path.slice(0, 200)}: connection error ${e.message}`));
    });
    r.on("response", (res) => {
      const chunks: Buffer[] = [];
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started });
      };
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", done);
      res.on("error", () => {});
      if (String(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        setTimeout(() => {
          res.removeAllListeners("end");
          res.destroy();
          done();
        }, sseMs);
      }
    });
    r.end(req.body ?? undefined);
  });
}

// ---------------------------------------------------------------------------------------------
// Properties

export interface Stats {
  requests: number;
  byStatus: Record<number, number>;
  serverErrors: number;
  hangs: number;
  leaks: number;
  badErrorBodies: number;
  offContract: number;
  slowestMs: number;
}
export const newStats = (): Stats => ({ requests: 0, byStatus: {}, serverErrors: 0, hangs: 0, leaks: 0, badErrorBodies: 0, offContract: 0, slowestMs: 0 });

let contract: ResponseCheck | undefined;
/** From now on, every reply to a documented route must also be one the server's OpenAPI document describes. */
export function checkAgainstDocument(document: Parameters<typeof responseChecker>[0]): void {
  contract = responseChecker(document, { offDocument: "skip" });
}

/** Checks one reply; throws (for fast-check to shrink) on the first violated property. */
export function checkReply(req: FuzzRequest, reply: Reply, marker: string, stats: Stats): void {
  stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
  stats.slowestMs = Math.max(stats.slowestMs, reply.ms);
  const what = `${req.method} ${req.path.slice(0, 200)} -> ${reply.status} ${reply.body.slice(0, 300)}`;
  if (reply.status >= 500) {
    stats.serverErrors++;
    throw new Error(`5xx: ${what}`);
  }
  if (reply.ms > hangMs(req)) {
    stats.hangs++;
    throw new Error(`slow (${Math.round(reply.ms)} ms): ${what}`);
  }
  if (reply.status >= 400 && req.method !== "HEAD") {
    let ok = false;
    try {
      const parsed = JSON.parse(reply.body) as { error?: { code?: unknown; message?: unknown } };
      ok = String(reply.headers["content-type"] ?? "").startsWith("application/json") && typeof parsed.error?.code === "string" && typeof parsed.error.message === "string";
    } catch {
      ok = false;
    }
    if (!ok) {
      stats.badErrorBodies++;
      throw new Error(`error response is not {error:{code,message}}: ${what} (content-type ${reply.headers["content-type"]})`);
    }
  }
  if (req.auth !== "tenantA" && reply.body.includes(marker)) {
    stats.leaks++;
    throw new Error(`tenant A's marker leaked to ${req.auth}: ${what}`);
  }
  if (contract && req.method !== "HEAD") {
    const contentType = reply.headers["content-type"];
    try {
      contract(req.method, req.path.split("?")[0]!, reply.status, typeof contentType === "string" ? contentType : null, reply.body);
    } catch (e) {
      stats.offContract++;
      throw new Error(`not as the OpenAPI document says: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

const recent: string[] = [];

/** Sends and checks one request, counting it. */
export async function sendAndCheck(base: string, req: FuzzRequest, tokens: Tokens, marker: string, stats: Stats): Promise<void> {
  stats.requests++;
  let reply: Reply;
  // While tenant B (or anyone) listens on a log stream, tenant A logs its marker: it must not arrive.
  const aLogs = req.path.startsWith("/v1/logs/stream") && req.auth !== "tenantA" ? logMarker(base, tokens.tenantA, marker, 50) : undefined;
  const started = Date.now();
  try {
    reply = await send(base, req, tokens);
  } catch (e) {
    if (String(e).includes("hang")) stats.hangs++;
    throw new Error(`${String(e)}\n  the requests before it (ms after start, duration, status): ${recent.map((r) => `\n    ${r}`).join("")}`);
  } finally {
    recent.push(`${started}: ${req.method} ${req.path.slice(0, 80)} ${req.body?.toString("utf8").slice(0, 200)}`);
    if (recent.length > 8) recent.shift();
  }
  recent[recent.length - 1] += ` -> ${reply.status} in ${Math.round(reply.ms)} ms`;
  await aLogs;
  checkReply(req, reply, marker, stats);
}

async function logMarker(base: string, tokenA: string, marker: string, afterMs: number): Promise<void> {
  await new Promise((r) => setTimeout(r, afterMs));
  await call(base, tokenA, "POST", "/v1/run", {
    language: "js",
    code: `import { log } from "kiln"; export default () => { log.write("info", "${marker}"); console.log("${marker}"); return 1 }`,
  }).catch(() => undefined);
  await call(base, tokenA, "POST", `/v1/scripts/${marker}/invoke`, null).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Set-up on a live server

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/**
 * Creates tenants A and B through the admin API and has A store a unique marker: in kv (namespace `m`,
 * the one B's runs ask for too), as a secret's name and value, as a deployed script's name and code,
 * and in a run's logs. Returns the tokens and the marker.
 */
export async function setUpTenants(base: string, adminToken: string, devToken: string): Promise<{ tokens: Tokens; marker: string }> {
  const marker = `mk${randomBytes(8).toString("hex")}`;
  const suffix = randomBytes(4).toString("hex");
  const a = await call(base, adminToken, "POST", "/v1/tenants", { name: `fuzz-a-${suffix}` });
  const b = await call(base, adminToken, "POST", "/v1/tenants", { name: `fuzz-b-${suffix}` });
  if (a.status !== 201 && a.status !== 200) throw new Error(`create tenant A: ${a.status} ${JSON.stringify(a.json)}`);
  if (b.status !== 201 && b.status !== 200) throw new Error(`create tenant B: ${b.status} ${JSON.stringify(b.json)}`);
  const bNoScopes = await call(base, adminToken, "POST", `/v1/tenants/${b.json.tenant.id}/tokens`, { scopes: [] });
  const tokens: Tokens = { tenantA: a.json.token, tenantB: b.json.token, tenantBNoScopes: bNoScopes.json.token ?? b.json.token, dev: devToken, admin: adminToken };
  const A = tokens.tenantA;
  const steps = [
    await call(base, A, "PUT", `/v1/secrets/${marker.toUpperCase()}`, { value: marker }),
    await call(base, A, "PUT", `/v1/secrets/MARKER`, { value: marker }),
    await call(base, A, "PUT", `/v1/scripts/${marker}`, { language: "js", code: `export default () => "${marker}"` }),
    await call(base, A, "PUT", `/v1/scripts/MARKER`, { language: "js", code: `export default () => "${marker}"` }),
    await call(base, A, "PUT", `/v1/scripts/fuzz`, { language: "js", code: `export default () => "${marker}"` }),
    await call(base, A, "POST", "/v1/run", {
      language: "js",
      code: `import { kv, log } from "kiln"; export default async () => { await kv.set("${marker}", "${marker}", null); await kv.set("k", "${marker}", null); log.write("info", "${marker}"); console.log("${marker}"); return "${marker}" }`,
      grants: { kv: { namespace: "m" } },
    }),
  ];
  for (const s of steps) if (s.status >= 300 || s.json?.ok === false) throw new Error(`tenant A set-up failed: ${s.status} ${JSON.stringify(s.json)}`);
  return { tokens, marker };
}

/** After the cases: /healthz is ok and a benign run in each language succeeds. */
export async function checkHealthy(base: string, token: string): Promise<void> {
  const health = await fetch(`${base}/healthz`);
  if (health.status !== 200 || (await health.json()).status !== "ok") throw new Error(`/healthz: ${health.status}`);
  for (const [language, code] of Object.entries({ javascript: CODE.javascript![0], typescript: CODE.typescript![0], python: CODE.python![0], lua: CODE.lua![0], ruby: CODE.ruby![0] })) {
    const run = await call(base, token, "POST", "/v1/run", { language, code, input: { n: 1 } });
    if (run.status !== 200 || run.json.ok !== true || run.json.result?.echo?.n !== 1) throw new Error(`benign ${language} run after fuzzing: ${run.status} ${JSON.stringify(run.json).slice(0, 500)}`);
  }
}

/** Shrunk failures kept as regression cases: fast-check runs these first, every time. */
export const regressionCases: FuzzRequest[] = [];

// ---------------------------------------------------------------------------------------------
// Raw requests: what node:http's client will not send (no Host, raw spaces and bytes in the path,
// malformed headers, Content-Length with Transfer-Encoding, 20 KB paths), over a bare socket.

/** Malformed HTTP/1.1 requests; `{T}` is replaced by a bearer token. */
export const RAW_REQUESTS: Record<string, string> = {
  "no Host header": "GET /healthz HTTP/1.1\r\n\r\n",
  "OPTIONS *": "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
  "backslash in the path": "GET /v1/scripts/..\\..\\x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {T}\r\n\r\n",
  "invalid Host": "GET /v1/languages HTTP/1.1\r\nHost: a b@c\r\nAuthorization: Bearer {T}\r\n\r\n",
  "bad absolute URL": "GET http://[::1/v1/languages HTTP/1.1\r\nHost: x\r\n\r\n",
  "control character in a header name": "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad\u0001: y\r\n\r\n",
  "raw space in the path": "GET /v1/scripts/a b HTTP/1.1\r\nHost: x\r\n\r\n",
  "raw UTF-8 in the path": "GET /v1/scripts/\u00fc\u{1F4A5} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {T}\r\n\r\n",
  "GET with Content-Length and Transfer-Encoding": "GET /v1/languages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {T}\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n",
  "DELETE with a bad chunk": "DELETE /v1/secrets/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {T}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
  "two Content-Lengths": "OPTIONS /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
  "unknown method": "FOO /v1/run HTTP/1.1\r\nHost: x\r\n\r\n",
  "20 KB path": `GET /v1/scripts/${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  "NUL in the path": "GET /v1/scripts/a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n",
  "a chunked body with no end, then the client's FIN": "DELETE http://x/v1/languages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
};

/** Writes raw bytes on a new connection and reads the first response (status line, headers, body). */
export function sendRaw(base: string, raw: string): Promise<Reply> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // Sent whole, then half-closed: a request cut short (a chunked body with no end) is then malformed, not a slow client the server must wait for.
    const socket = connect(Number(url.port), url.hostname, () => socket.end(Buffer.from(raw, "utf8")));
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = rest.join("\r\n\r\n");
      if (headers["transfer-encoding"] === "chunked") {
        let out = "";
        let at = 0;
        for (;;) {
          const eol = body.indexOf("\r\n", at);
          const n = parseInt(body.slice(at, eol), 16);
          if (!(n > 0)) break;
          out += body.slice(eol + 2, eol + 2 + n);
          at = eol + 2 + n + 2;
        }
        body = out;
      } else if (headers["content-length"] !== undefined) body = body.slice(0, Number(headers["content-length"]));
      resolve({ status: Number(statusLine.split(" ")[1] ?? 0), headers, body, ms: performance.now() - started });
    };
    const complete = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return false;
      const len = /content-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
      if (len !== undefined) return Buffer.byteLength(text.slice(end + 4)) >= Number(len);
      return /transfer-encoding: *chunked/i.test(text.slice(0, end)) ? text.endsWith("0\r\n\r\n") : false;
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`hang: no answer to a raw request within ${HANG_MS} ms`));
    }, HANG_MS);
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      if (complete()) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", () => {});
  });
}

/** Generated malformed requests: odd methods, raw bytes in the target, broken header lines and framing. */
export const rawRequest: fc.Arbitrary<string> = fc
  .record({
    method: fc.constantFrom("GET", "POST", "DELETE", "OPTIONS", "PUT", "FOO", "get", "G ET", ""),
    target: fc.oneof(
      fc.constantFrom("*", "/v1/run", "/healthz", "/v1/scripts/a b", "/v1/scripts/..\\x", "http://x/v1/languages", "http://[::1/v1/run", "", "/v1/secrets/\u0000", "/v1/scripts/\u00fc"),
      fc.string({ unit: "binary", maxLength: 40 }).map((s) => `/v1/scripts/${s.replace(/[\r\n]/g, "")}`),
    ),
    version: fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", ""),
    host: fc.constantFrom<string | null>("x", null, "a b", "", "[::1", "x:99999"),
    extra: fc.array(fc.oneof(
      fc.constantFrom("Content-Length: 2", "Content-Length: -1", "Content-Length: 99999999999999999999", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked", "X-Bad\u0001: y", "NoColon", ": empty", "Authorization: Bearer {T}", "Content-Type: application/json"),
      fc.string({ maxLength: 30 }).map((s) => `X-F: ${s.replace(/[\r\n]/g, "")}`),
    ), { maxLength: 3 }),
    body: fc.constantFrom("", "{}", "2\r\n{}\r\n0\r\n\r\n", "zz\r\n", "{\"language\":\"js\",\"code\":\"export default () => 1\"}"),
  })
  .map(({ method, target, version, host, extra, body }) =>
    `${method} ${target} ${version}\r\n${host === null ? "" : `Host: ${host}\r\n`}${extra.map((h) => `${h}\r\n`).join("")}\r\n${body}`);

/** Checks a raw request's reply: no 5xx, an answer (or a closed connection), JSON errors, no marker. */
export async function sendRawAndCheck(base: string, raw: string, tokens: Tokens, marker: string, stats: Stats): Promise<void> {
  stats.requests++;
  let reply: Reply;
  try {
    reply = await sendRaw(base, raw.replaceAll("{T}", tokens.tenantB));
  } catch (e) {
    if (String(e).includes("hang")) stats.hangs++;
    throw e;
  }
  // Nothing back at all (status 0) is Node closing a connection it could not parse a request from at all.
  if (reply.status === 0) return;
  checkReply({ method: raw.split(" ")[0] ?? "", path: `(raw) ${JSON.stringify(raw.slice(0, 120))}`, auth: "tenantB", contentType: null, body: null, headers: {} }, reply, marker, stats);
}
