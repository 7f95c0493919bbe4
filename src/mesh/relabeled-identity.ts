import type { IdentityLabels } from "./adapter";
import { LABEL_SETTINGS, type LabelKey } from "./label-settings";

/**
 * An object read by a relabeled label (`name`, renamed by `key`'s setting) in a relabeled
 * namespace label: a diagnosis names both settings when either is missing from the series.
 */
export function relabeledIdentity(namespace: string, key: LabelKey, name: string): IdentityLabels {
  return { namespace, name, setting: LABEL_SETTINGS[key][0], namespaceSetting: LABEL_SETTINGS.namespace[0] };
}
