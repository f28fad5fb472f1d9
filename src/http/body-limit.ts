import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../errors.ts";

/** What an adapter may hand the app beside the request (see `KilnEnv`'s Bindings). */
export interface BodyReader {
  /**
   * The request's body as text, decoded as `Request.text()` does, read straight from the runtime's own
   * request (Node's IncomingMessage) rather than through a web stream. Called at most once, and only for
   * a body the limit has admitted by its Content-Length. A client that hangs up midway: `BodyCutShort`.
   */
  readBodyText?: () => Promise<string>;
}

/** What `readBodyText` rejects with when the client hangs up before its whole body arrived (its own doing, not a host error). */
export class BodyCutShort extends Error {
  constructor() {
    super("The client closed the connection before sending the whole body");
    this.name = "BodyCutShort";
  }
}

const payloadTooLarge = (maxSize: number) => new RequestError("payload_too_large", `The request body is larger than ${maxSize} bytes`);

/**
 * Refuses a request body over `maxSize` bytes (413 payload_too_large), counting it as it is read
 * (hono's bodyLimit). Where the adapter reads bodies itself (`readBodyText`) and the body will be read
 * as text (`text`: the JSON routes), one with a Content-Length (and no Transfer-Encoding) is decided from
 * that header and read by the adapter, so the request never becomes a web stream.
 */
export function bodyLimit<E extends { Bindings: BodyReader | undefined }>(maxSize: number, options: { text: boolean }): MiddlewareHandler<E> {
  const counted = honoBodyLimit({
    maxSize,
    onError: () => {
      throw payloadTooLarge(maxSize);
    },
  });
  return (c, next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const read = options.text ? (c.env as BodyReader | undefined)?.readBodyText : undefined;
    const length = c.req.header("content-length");
    if (!read || length === undefined || c.req.header("transfer-encoding") !== undefined) return counted(c, next);
    if (parseInt(length, 10) > maxSize) throw payloadTooLarge(maxSize);
    // hono keeps what it has read as promises; `text()` then answers from this one. A route that
    // refuses the request before reading its body (a bad token) leaves it unread: its failure (the
    // client hung up) is then nobody's concern, and must not be an unhandled rejection.
    const text = read();
    text.catch(() => undefined);
    (c.req.bodyCache as { text?: Promise<string> }).text = text;
    return next();
  };
}
