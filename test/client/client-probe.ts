/**
 * The client on another runtime (test/client/kiln-client.test.ts runs this file under Deno and Bun):
 * a run, the first event of the log stream, and a refusal, printed as one line of JSON.
 */
import { createKilnClient, KilnError } from "../../src/client/kiln-client.ts";

const runtime = globalThis as { Deno?: { env: { toObject(): Record<string, string> } }; process?: { env: Record<string, string | undefined> } };
const env = runtime.Deno?.env.toObject() ?? runtime.process!.env;
const kiln = createKilnClient({ url: env.KILN_URL!, token: env.KILN_TOKEN! });
const run = await kiln.run({ language: "js", code: "export default (i) => i * 2", input: 21 });
let first: unknown;
for await (const event of kiln.logs.follow()) {
  first = event.event;
  break;
}
const refused = await kiln.scripts.get("missing").catch((e: unknown) => e);
console.log(JSON.stringify({ result: run.ok && run.result, first, refused: refused instanceof KilnError && refused.code }));
