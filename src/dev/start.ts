import { handler } from "../../handlers/api";
import { loadConfig } from "../config";
import { serveLambdas } from "./local-server";

// The same handler module Lambda loads, served over HTTP on PORT.
const config = loadConfig();
const { url } = await serveLambdas(() => handler, config.port, config.host);
console.log(
  `SMI metrics API (mesh ${config.mesh}) on ${url}, reading ${new URL(config.prometheus.url).origin}`,
);
