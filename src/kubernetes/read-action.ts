import type { AnswerWording, JsonAnswer } from "../net/json-answer";
import { bodySnippet } from "../net/transport-error";
import { StatusSchema } from "./meta";

/** One read, as messages name it: `list trafficsplits.split.smi-spec.io in namespace shop`. */
export type ReadAction =
  | {
      readonly verb: "get" | "list";
      /** `<plural>.<group>`, as RBAC rules and kubectl name it. */
      readonly resource: string;
      /** Undefined: all namespaces. */
      readonly namespace: string | undefined;
      readonly name?: string;
      readonly version?: string;
    }
  | DiscoveryRead;

/** A read of objects, not of discovery. */
export type ObjectRead = Exclude<ReadAction, { verb: "discover" }>;

/** A discovery read, done for an object read (which errors name: that is what the user asked). */
export interface DiscoveryRead {
  readonly verb: "discover";
  readonly group: string;
  readonly path: string;
  readonly for: ObjectRead;
}

export function describeAction(action: ReadAction): string {
  if (action.verb === "discover")
    return `${describeAction(action.for)} (discovering its version: GET ${action.path})`;
  const object = action.name === undefined ? action.resource : `${action.resource} "${action.name}"`;
  const scope = action.namespace === undefined ? "in all namespaces" : `in namespace ${action.namespace}`;
  return `${action.verb} ${object} ${scope}`;
}

/**
 * What an error answer says in the API server's own words: its Status' message (or reason),
 * else a snippet of whatever came back; `reason` is the Status' machine-readable reason.
 */
export function statusOf(answer: JsonAnswer): {
  message: string;
  reason: string | undefined;
  named: boolean;
} {
  const status = StatusSchema.safeParse(answer.json);
  return {
    message: status.success ? (status.data.message ?? status.data.reason ?? "") : bodySnippet(answer.text),
    reason: status.data?.reason,
    named: Boolean(status.data?.details?.name),
  };
}

/** 401: the cluster does not know the token; 403: it knows who we are, and RBAC says no. */
function advice(action: ReadAction, status: number, hint: string): string {
  return status === 401
    ? `the cluster did not accept the function's credentials; check ${hint}`
    : action.verb === "discover"
      ? "API discovery is open to every authenticated identity (ClusterRole system:discovery) unless the cluster removed that grant"
      : `the function's identity needs get and list on ${action.resource} (a Role or ClusterRole and its binding; see "Traffic splits and canaries" in the README)`;
}

/**
 * How the errors of one read are worded: they name the read (the user's, when discovery failed
 * on its behalf), quote the API server's Status, and say which grant or setting to check.
 */
export function readWording(action: ReadAction, hint: string): AnswerWording {
  const read = describeAction(action);
  return {
    refused: (answer) => {
      const { message, reason } = statusOf(answer);
      return {
        message: `the Kubernetes API refused to ${read} (HTTP ${answer.status}): ${message}; ${advice(action, answer.status, hint)}`,
        ...(reason === undefined ? {} : { errorType: reason }),
      };
    },
    failed: (answer) => {
      const { message, reason } = statusOf(answer);
      return {
        message: `the Kubernetes API answered HTTP ${answer.status} to ${read}: ${message}`,
        ...(reason ? { errorType: reason } : {}),
      };
    },
    notJson: (answer) =>
      `the Kubernetes API answered ${read} with a body that is not JSON: ${bodySnippet(answer.text)}`,
    unexpected: (_answer, issues) => {
      const first = issues[0];
      const where = first?.path.length ? `${first.path.join(".")}: ` : "";
      return `the Kubernetes API answered ${read} with an unexpected body: ${where}${first?.message}`;
    },
  };
}
