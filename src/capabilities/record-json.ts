import type { HostCallError } from "../errors.ts";
import { requestFromJson, requestToJson, responseFromJson, responseToJson } from "./http-json.ts";

/**
 * The JSON form of each WIT record a host function takes or answers, by `interface.record`: the
 * host reads arguments from it and answers in it (run-host.ts), and the component imports convert a
 * component's records to and from it (src/engine/component/kiln-imports.ts). The forms themselves
 * are in http-json.ts, described in wit/http.wit. A record the WIT adds needs its entry here before a
 * function may take or answer it (test/capabilities/wit-generated.test.ts checks every one has).
 */
export const RECORD_JSON: Readonly<Record<string, { fromJson: (value: never, bad: (expected: string) => HostCallError) => unknown; toJson: (value: never) => unknown }>> = {
  "http.request": { fromJson: requestFromJson, toJson: requestToJson },
  "http.response": { fromJson: responseFromJson, toJson: responseToJson },
};
