import * as z from "zod";
import { fromEnv, integer, loadSettings, processEnv } from "../config";

/** Settings only the local tools read (`npm start`, the demo); a deployed function never does. */
const DevSettingsSchema = z.object({
  /** Where the local server listens; 0 picks a free port. */
  port: fromEnv("PORT", integer(3000, 0, 65_535)),
  host: fromEnv("HOST", z.string().default("127.0.0.1")),
  /** The Prometheus binary the demo starts; `prometheus` on PATH when unset. */
  prometheusBin: fromEnv("PROMETHEUS_BIN", z.string().optional()),
});
export type DevSettings = z.output<typeof DevSettingsSchema>;

export function loadDevSettings(env = processEnv()): DevSettings {
  return loadSettings(DevSettingsSchema, DevSettingsSchema, env);
}
