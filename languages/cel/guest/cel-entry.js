// The `cel` bundle: the CEL runtime alone (see runtime.js).
export { compileCel, LINE_BASE } from "./runtime.js";
