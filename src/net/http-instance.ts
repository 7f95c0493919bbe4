import { Agent } from "node:https";
import axios, { type AxiosInstance, type CreateAxiosDefaults } from "axios";

/** What a client may set on its instance: anything but the two settings the bundle depends on. */
export type HttpInstanceOptions = Omit<CreateAxiosDefaults, "maxRedirects" | "proxy" | "httpsAgent"> & {
  /** PEM of the CA that signs the backend's certificate; absent: the system roots. */
  readonly caPem?: string | undefined;
};

/**
 * The one place an axios instance is made (no other `axios.create` in src/). Every instance has
 * redirects and environment proxies off: a redirect or a proxy would send our credentials (a
 * bearer token, a Consul token, a signed body) somewhere the configuration never named, and the
 * Lambda bundles stub out axios' redirect and proxy modules (`follow-redirects`,
 * `proxy-from-env`, `https-proxy-agent`; see src/bundle/esbuild.config.cjs), which throw if a
 * request ever needs them. Before this factory, only the convention of four call sites kept both
 * settings. Per-request config must not set them again.
 */
export function createHttpInstance(options: HttpInstanceOptions = {}): AxiosInstance {
  const { caPem, ...defaults } = options;
  return axios.create({
    ...defaults,
    ...(caPem === undefined ? {} : { httpsAgent: new Agent({ ca: caPem, keepAlive: true }) }),
    maxRedirects: 0,
    proxy: false,
  });
}
