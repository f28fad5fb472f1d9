/**
 * The Node HTTP server around the app. @hono/node-server's `serve` answers a request it cannot turn
 * into a `Request` (no Host header, a backslash in the path, `OPTIONS *`, a bad absolute URL) with a 400
 * and an empty body, and Node's parser answers malformed HTTP (bad header characters, a raw space or
 * non-ASCII byte in the path, Content-Length with Transfer-Encoding, headers over 16 KiB, and an
 * HTTP/1.1 request without Host) the same way.
 * Here both get Kiln's `{error:{code,message}}` like every other request error.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { BodyCutShort, type BodyReader } from "../../http/body-limit.ts";

/** What the app gets beside each request: Node's own request and response, and the body read from the former. */
type NodeBindings = BodyReader & HttpBindings;

const utf8 = new TextDecoder();

/** The body as `Request.text()` reads it (UTF-8, a leading BOM dropped), without the web stream around Node's. */
function readBodyText(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (incoming.destroyed && !incoming.complete) return reject(new BodyCutShort());
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => resolve(utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))));
    incoming.once("error", () => reject(new BodyCutShort()));
    incoming.once("aborted", () => reject(new BodyCutShort()));
  });
}

const errorJson = (status: number, message: string) =>
  new Response(JSON.stringify({ error: { code: "invalid_request", message } }), { status, headers: { "content-type": "application/json" } });

export function createNodeServer(fetch: (request: Request, env: NodeBindings) => Response | Promise<Response>): Server {
  // The server is HTTP/1.1 (createServer below), so its bindings are HttpBindings.
  const listener = getRequestListener((request, env) => fetch(request, { ...(env as HttpBindings), readBodyText: () => readBodyText((env as HttpBindings).incoming) }), {
    // Called only when the adapter cannot build the Request (the app itself never throws: its onError answers).
    errorHandler: (e) => errorJson(400, `The request cannot be read: ${e instanceof Error ? e.message : String(e)}`),
  });
  // Node would answer a missing Host itself with an empty 400; the adapter refuses it, through errorHandler.
  const server = createServer({ requireHostHeader: false }, listener);
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    // As Node's default: nothing to answer on a reset or closed socket, or once a response has begun.
    const inProgress = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, message] =
      err.code === "HPE_HEADER_OVERFLOW" ? ["431 Request Header Fields Too Large", "The request's headers are too large"]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? ["408 Request Timeout", "The request was not received in time"]
      : ["400 Bad Request", "The request is not valid HTTP/1.1"];
    const body = JSON.stringify({ error: { code: "invalid_request", message } });
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}
