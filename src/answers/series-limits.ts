import { BadRequestError } from "../errors/request-errors";
import type { MetricsList } from "./renderer";

/**
 * Points a range answer may hold in all (items × points): 500 objects at 288 points (a day at 5
 * minutes) fit, and so does their JSON, about 45 MB, once compressed into a Lambda response.
 */
const MAX_POINTS_PER_ANSWER = 150_000;

/** A range list over `MAX_POINTS_PER_ANSWER` is a 400 that says how many items a page may hold. */
export function checkSeriesSize(list: MetricsList): void {
  if (list.kind !== "TrafficMetricsSeriesList") return;
  const points = list.items[0]?.points.length ?? 0;
  const total = list.items.length * points;
  if (total <= MAX_POINTS_PER_ANSWER) return;
  const fitting = Math.floor(MAX_POINTS_PER_ANSWER / points);
  throw new BadRequestError(
    `this range answer would hold ${list.items.length} items × ${points} points = ${total} points, over the ${MAX_POINTS_PER_ANSWER} one answer may hold (it must fit Lambda's 6 MB response): ask for pages of at most limit=${fitting} with Accept-Encoding: gzip (without it a page that large is a 406 naming the limit that fits), or a larger step`,
  );
}
