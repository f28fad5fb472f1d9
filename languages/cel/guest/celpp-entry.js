// The `cel++` bundle: the CEL runtime with the `yaml` package, which parses the rule's YAML in the guest.
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { useYaml } from "./runtime.js";

useYaml({ isMap, isScalar, isSeq, LineCounter, parseDocument });
export { compileCelpp, LINE_BASE } from "./runtime.js";
