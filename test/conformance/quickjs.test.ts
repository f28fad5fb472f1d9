import { coreEngine, testConfig, workerPool } from "../helpers/fixtures.ts";
import { conformance } from "./conformance.ts";

conformance("QuickJS engine (in process)", coreEngine, ["javascript", "typescript"]);
// As `npm start` does, each worker starts Ruby and Python before it takes jobs.
const warmPool = () => workerPool({ warmUp: { languages: ["ruby", "python"], memoryMb: testConfig.defaults.memoryMb } });
conformance("Node worker threads (QuickJS and components)", warmPool, ["javascript", "typescript", "lua", "ruby", "python", "component"]);
