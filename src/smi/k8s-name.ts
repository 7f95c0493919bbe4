import * as z from "zod";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A Kubernetes object name (DNS-1123 subdomain, at most 253 characters). Names are checked here,
 * before they come near a query, so nothing that could change a PromQL matcher's meaning gets in.
 */
export const ResourceNameSchema = z
  .string()
  .max(253, "a name has at most 253 characters")
  .regex(
    DNS1123_SUBDOMAIN,
    "a name must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
  );

/** A Kubernetes namespace name (DNS-1123 label, at most 63 characters). */
export const NamespaceNameSchema = z
  .string()
  .max(63, "a namespace has at most 63 characters")
  .regex(
    DNS1123_LABEL,
    "a namespace must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
  );
