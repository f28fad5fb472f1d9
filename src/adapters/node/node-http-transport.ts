import { lookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction, Socket } from "node:net";
import { HostCallError } from "../../errors.ts";
import { forbiddenAddressReason } from "../../net/address-policy.ts";
import type { HttpTransport, TransportRequest } from "../../capabilities/http-transport.ts";
import type { HttpResponse } from "../../capabilities/wit.ts";

/**
 * The Node transport: node:http(s) with a DNS lookup that refuses the request when any address
 * the name resolves to is banned, and a second check of the connected socket's address, so
 * neither an allowlisted name pointing at 127.0.0.1 nor DNS rebinding gets through.
 */
export class NodeHttpTransport implements HttpTransport {
  send(req: TransportRequest): Promise<HttpResponse> {
    const policy = { allowPrivate: req.allowPrivate };
    const guardedLookup: LookupFunction = (hostname, options, callback) => {
      lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, "", 0);
        const list = addresses as { address: string; family: number }[];
        const banned = list.find((a) => forbiddenAddressReason(a.address, policy));
        if (banned || list.length === 0) {
          const reason = banned ? forbiddenAddressReason(banned.address, policy) : "unresolvable";
          return callback(Object.assign(new Error(`resolves to ${reason}`), { code: "KILN_FORBIDDEN" }), "", 0);
        }
        if ((options as { all?: boolean }).all) return (callback as any)(null, list);
        callback(null, list[0]!.address, list[0]!.family);
      });
    };
    const client = req.url.protocol === "https:" ? https : http;
    const host = req.url.host;
    return new Promise<HttpResponse>((resolve, reject) => {
      const fail = (error: HostCallError) => {
        request.destroy();
        reject(error);
      };
      const request = client.request(
        req.url,
        { method: req.method, headers: Object.fromEntries(req.headers.map(([n, v]) => [n, v])), lookup: guardedLookup, agent: false, signal: req.signal },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > req.maxResponseBytes) return fail(new HostCallError("limit_exceeded", `http: the response from '${host}' is larger than ${req.maxResponseBytes} bytes`));
            chunks.push(chunk);
          });
          res.on("error", () => fail(new HostCallError("failed", `http: the response from '${host}' was cut off`)));
          res.on("end", () => {
            clearTimeout(timer);
            const headers: [string, string][] = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
            // A copy: a small Buffer is a view into Node's shared pool.
            resolve({ status: res.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) });
          });
        },
      );
      const timer = setTimeout(() => fail(new HostCallError("failed", `http: '${host}' did not answer within ${req.timeoutMs} ms`)), req.timeoutMs);
      request.on("socket", (socket: Socket) => {
        socket.once("connect", () => {
          const reason = socket.remoteAddress && forbiddenAddressReason(socket.remoteAddress, policy);
          if (reason) fail(new HostCallError("capability_denied", `http: '${host}' is ${reason}`));
        });
      });
      request.on("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (err.code === "KILN_FORBIDDEN") reject(new HostCallError("capability_denied", `http: '${host}' ${err.message}`));
        else if (req.signal.aborted) reject(new HostCallError("failed", "http: the run ended"));
        else reject(new HostCallError("failed", `http: the request to '${host}' failed (${err.code ?? "error"})`));
      });
      if (req.body !== null) request.write(req.body);
      request.end();
    });
  }
}
