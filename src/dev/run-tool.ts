import { runMain } from "../cli/run-main";
import { ListenError } from "./local-server";
import { PrometheusMissingError, PrometheusStartError } from "./prometheus-server";

/** Runs a dev tool (`npm start`, the demo, the report runner): its own start-up errors print as they are. */
export function runTool(main: () => Promise<void>, usage: string): void {
  runMain(main, usage, [ListenError, PrometheusMissingError, PrometheusStartError]);
}
