/** The JSON form of wit/http.wit's records: what JavaScript, Python, Lua and Ruby guests send and get. */
import { describe, expect, it } from "vitest";
import { HostCallError } from "../../src/errors.ts";
import { fromBase64, requestFromJson, requestToJson, responseFromJson, responseToJson } from "../../src/capabilities/http-json.ts";

const bad = (expected: string) => new HostCallError("invalid_argument", `the request must be ${expected}`);
const bytes = (...b: number[]) => new Uint8Array(b);

describe("a response in JSON form", () => {
  it("has headers as an object by lower-case name, a repeated name joined with ', ' as fetch's Headers.get does", () => {
    const json = responseToJson({
      status: 200,
      headers: [["Content-Type", "text/plain"], ["set-cookie", "a=1"], ["X-Multi", "one"], ["x-multi", "two"], ["set-cookie", "b=2"]],
      body: new TextEncoder().encode("hi"),
    });
    expect(json).toEqual({ status: 200, headers: { "content-type": "text/plain", "set-cookie": "a=1, b=2", "x-multi": "one, two" }, body: "hi", bodyEncoding: "utf8" });
    const fetchHeaders = new Headers([["X-Multi", "one"], ["x-multi", "two"]]);
    expect(json.headers["x-multi"]).toBe(fetchHeaders.get("x-multi"));
  });

  it("has a UTF-8 body as text, unchanged (a byte-order mark, NUL and astral characters included)", () => {
    const text = "\uFEFFnaïve ☃ 𝄞 \u0000 end";
    expect(responseToJson({ status: 200, headers: [], body: new TextEncoder().encode(text) })).toMatchObject({ body: text, bodyEncoding: "utf8" });
    expect(responseToJson({ status: 204, headers: [], body: bytes() })).toMatchObject({ body: "", bodyEncoding: "utf8" });
  });

  it("has a body that is not valid UTF-8 as base64, byte for byte (00 ff 01 02 c3)", () => {
    const json = responseToJson({ status: 200, headers: [], body: bytes(0x00, 0xff, 0x01, 0x02, 0xc3) });
    expect(json).toMatchObject({ body: "AP8BAsM=", bodyEncoding: "base64" });
    expect([...fromBase64(json.body)!]).toEqual([0x00, 0xff, 0x01, 0x02, 0xc3]);
  });

  it("turns back into the WIT record with the same bytes (for callers' components)", () => {
    for (const body of [bytes(0x00, 0xff, 0x01, 0x02, 0xc3), new TextEncoder().encode("plain"), bytes()]) {
      const back = responseFromJson(responseToJson({ status: 201, headers: [["a", "1"]], body }));
      expect(back).toEqual({ status: 201, headers: [["a", "1"]], body });
    }
  });
});

describe("a request in JSON form", () => {
  it("may be a URL string (a GET), or leave out method, headers and body", () => {
    expect(requestFromJson("https://api.example.com/", bad)).toEqual({ method: "GET", url: "https://api.example.com/", headers: [], body: null });
    expect(requestFromJson({ url: "https://api.example.com/" }, bad)).toEqual({ method: "GET", url: "https://api.example.com/", headers: [], body: null });
  });

  it("takes headers as an object or as [name, value] pairs", () => {
    expect(requestFromJson({ url: "http://x/", headers: { "x-a": "1" } }, bad).headers).toEqual([["x-a", "1"]]);
    expect(requestFromJson({ url: "http://x/", headers: [["x-a", "1"], ["x-a", "2"]] }, bad).headers).toEqual([["x-a", "1"], ["x-a", "2"]]);
  });

  it("sends a text body as UTF-8, and a base64 body (bodyEncoding: base64) as its bytes", () => {
    expect(requestFromJson({ url: "http://x/", method: "POST", body: "é" }, bad).body).toEqual(bytes(0xc3, 0xa9));
    expect(requestFromJson({ url: "http://x/", method: "POST", body: "AP8BAsM=", bodyEncoding: "base64" }, bad).body).toEqual(bytes(0x00, 0xff, 0x01, 0x02, 0xc3));
  });

  it("refuses a malformed request as invalid_argument", () => {
    for (const value of [null, 5, [], { url: 1 }, { url: "http://x/", headers: "a" }, { url: "http://x/", body: 5 }, { url: "http://x/", body: "x", bodyEncoding: "hex" }, { url: "http://x/", body: "not base64!", bodyEncoding: "base64" }, { url: "http://x/", body: "AP8", bodyEncoding: "base64" }]) {
      expect(() => requestFromJson(value, bad), JSON.stringify(value)).toThrow(HostCallError);
    }
  });

  it("round-trips from the WIT record (for callers' components)", () => {
    const record = { method: "PUT", url: "http://x/", headers: [["a", "1"], ["a", "2"]] as [string, string][], body: bytes(0x00, 0xff) };
    expect(requestFromJson(requestToJson(record), bad)).toEqual(record);
    expect(requestFromJson(requestToJson({ ...record, body: null }), bad)).toEqual({ ...record, body: null });
  });
});
