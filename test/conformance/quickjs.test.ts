import { coreEngine, workerPool } from "../helpers/fixtures.ts";
import { conformance } from "./conformance.ts";

conformance("QuickJS engine (in process)", coreEngine);
conformance("QuickJS in Node worker threads", workerPool);
