/**
 * `meta.k8s.io/v1` `Table` and `PartialObjectMetadata`: what `kubectl get` asks for
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) so it can print the server's columns.
 */
import * as z from "zod";
import { TrafficMetricsMetadataSchema, TrafficMetricsSchema } from "./schemas";

const TableColumnDefinitionSchema = z.strictObject({
  name: z.string().meta({ description: "kubectl prints it upper-cased" }),
  type: z.enum(["string", "integer", "number", "boolean", "date"]),
  format: z.string(),
  description: z.string(),
  priority: z.int().min(0).meta({ description: "0: always shown; 1: with -o wide" }),
});
export type TableColumnDefinition = z.infer<typeof TableColumnDefinitionSchema>;

/** An object's metadata only, for `includeObject=Metadata`. */
export const PartialObjectMetadataSchema = z.strictObject({
  kind: z.literal("PartialObjectMetadata"),
  apiVersion: z.literal("meta.k8s.io/v1"),
  metadata: TrafficMetricsMetadataSchema,
});
export type PartialObjectMetadata = z.infer<typeof PartialObjectMetadataSchema>;

const TableRowSchema = z.strictObject({
  cells: z.array(z.string()).meta({ description: "one cell per column definition, in order" }),
  object: z.union([TrafficMetricsSchema, PartialObjectMetadataSchema]).nullable().meta({
    description:
      "the row's TrafficMetrics; PartialObjectMetadata with includeObject=Metadata; null with None",
  }),
});

export const TableSchema = z
  .strictObject({
    kind: z.literal("Table"),
    apiVersion: z.literal("meta.k8s.io/v1"),
    metadata: z.strictObject({
      continue: z.string().optional().meta({ description: "the list's next page, as in TrafficMetricsList" }),
      remainingItemCount: z.int().min(0).optional(),
    }),
    columnDefinitions: z.array(TableColumnDefinitionSchema),
    rows: z.array(TableRowSchema),
  })
  .meta({ description: "TrafficMetrics as rows, for kubectl get" });
export type Table = z.infer<typeof TableSchema>;
