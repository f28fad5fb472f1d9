import { coreEngine, workerPool } from "../helpers/fixtures.ts";
import { conformance } from "./conformance.ts";

conformance("QuickJS engine (in process)", coreEngine, ["javascript", "typescript"]);
conformance("Node worker threads (QuickJS and components)", workerPool, ["javascript", "typescript", "lua", "ruby", "python", "component"]);
