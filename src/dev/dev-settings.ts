import * as z from "zod";
import { fromEnv, integer, loadSettingsTogether, processEnv } from "../config/environment";
import { CONFIG_SETTINGS, type Config } from "../config/settings";

/** Settings only the local tools read (`npm start`, the demo); a deployed function never does. */
const DevSettingsSchema = z.object({
  /** Where the local server listens; 0 picks a free port. */
  port: fromEnv("PORT", integer(3000, 0, 65_535)),
  host: fromEnv("HOST", z.string().default("127.0.0.1")),
  /** The port of the demo's Prometheus; 0 picks a free port. */
  prometheusPort: fromEnv("PROMETHEUS_PORT", integer(0, 0, 65_535)),
  /** The Prometheus binary the demo starts; `prometheus` on PATH when unset. */
  prometheusBin: fromEnv("PROMETHEUS_BIN", z.string().optional()),
});
export type DevSettings = z.output<typeof DevSettingsSchema>;

/** The local tools' own settings, for loading beside the function's (and for docs/configuration.md's test). */
export const DEV_SETTINGS = { root: DevSettingsSchema, schema: DevSettingsSchema } as const;

/** The function's config and the local server's settings, every bad variable of both in one error. */
export function loadConfigAndDevSettings(env = processEnv()): { config: Config; dev: DevSettings } {
  const [config, dev] = loadSettingsTogether([CONFIG_SETTINGS, DEV_SETTINGS], env);
  return { config, dev };
}
