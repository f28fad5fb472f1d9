import { componentEngine } from "../helpers/fixtures.ts";
import { conformance } from "./conformance.ts";

conformance("component engine (in process)", componentEngine, ["lua", "ruby", "python", "component"]);
