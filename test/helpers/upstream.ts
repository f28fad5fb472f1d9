import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The bytes `/binary` answers: not valid UTF-8. */
export const BINARY = Buffer.from([0x00, 0xff, 0x01, 0x02, 0xc3]);

/**
 * A real HTTP server on 127.0.0.1 for `http.fetch` tests: `/binary` (BINARY, with a repeated
 * `X-Multi` header), `/text` and `/headers` (UTF-8 text; `/headers` with the repeated header),
 * `/slow` (answers after `slowMs`), `/echo-bytes` (the request body's bytes as a JSON array).
 * `hits` lists every path asked for.
 */
export async function startUpstream(options: { slowMs: number }) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/binary") return res.writeHead(200, [["Content-Type", "application/octet-stream"], ["X-Multi", "one"], ["X-Multi", "two"]]).end(BINARY);
    if (req.url === "/text") return res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("naïve ☃");
    if (req.url === "/headers") return res.writeHead(200, [["X-Multi", "one"], ["X-Multi", "two"], ["Content-Type", "text/plain; charset=utf-8"]]).end("naïve ☃");
    if (req.url === "/slow") return void setTimeout(() => res.writeHead(200).end("late"), options.slowMs).unref();
    if (req.url === "/echo-bytes") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => res.writeHead(200).end(JSON.stringify([...Buffer.concat(chunks)])));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    origin: `http://${host}`,
    hits,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
