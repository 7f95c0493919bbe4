/** Where a command's numbers come from: a running API, or Prometheus read in-process. */
export type SourceOptions =
  | { readonly type: "api"; readonly url: string; readonly token?: string }
  | { readonly type: "prometheus"; readonly url?: string; readonly mesh?: string };
