/**
 * The host contract, wit/ (package kiln:sandbox), as TypeScript: everything here is generated from
 * the WIT by `npm run wit:generate` into wit.generated.ts (the host's shape and the signature tables)
 * and generated/ (jco's types of a component's imports); nothing is written by hand. Host files
 * implement the interfaces; a `host-error` result is a thrown `HostCallError`. Guests that speak
 * JSON get records in their JSON form (src/capabilities/http-json.ts, described in wit/http.wit).
 * test/capabilities/wit-generated.test.ts fails when a generated file and wit/ disagree.
 */
import { SIGNATURES } from "./wit.generated.ts";

export * from "./wit.generated.ts";

/** One function's signature: WIT name, parameter types and names in WIT order, `ok` type (`_`: none), async, doc comment. */
export interface Signature {
  readonly name: string;
  readonly params: readonly string[];
  readonly names: readonly string[];
  readonly result: string;
  readonly async: boolean;
  readonly docs: string;
}

/** SIGNATURES as a plain lookup: interface → function (camelCase, as JavaScript and the wire name it) → signature. */
export const SIGNATURE_TABLE: Readonly<Record<string, Readonly<Record<string, Signature>>>> = SIGNATURES;

/** WIT parameter types as the host checks them before calling an implementation. */
export type ParamType = { [I in keyof typeof SIGNATURES]: { [F in keyof (typeof SIGNATURES)[I]]: (typeof SIGNATURES)[I][F] extends { params: readonly (infer P)[] } ? P : never }[keyof (typeof SIGNATURES)[I]] }[keyof typeof SIGNATURES];

/** WIT result types (the `ok` side of `result<T, host-error>`), as the host answers them. */
export type ResultType = { [I in keyof typeof SIGNATURES]: { [F in keyof (typeof SIGNATURES)[I]]: (typeof SIGNATURES)[I][F] extends { result: infer R } ? R : never }[keyof (typeof SIGNATURES)[I]] }[keyof typeof SIGNATURES];

/** The signature of `iface.fn`, or undefined when the WIT has no such function. */
export function signatureOf(iface: string, fn: string): Signature | undefined {
  return Object.hasOwn(SIGNATURE_TABLE, iface) && Object.hasOwn(SIGNATURE_TABLE[iface]!, fn) ? SIGNATURE_TABLE[iface]![fn] : undefined;
}
