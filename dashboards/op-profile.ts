// Where the instructions go: the per-op profile (measurement op_profile, written for profiled
// results) as a table of the heaviest ops of the selected model and board kind. TOP over the
// "op" tag keeps one row per op (its largest count in the time range), the ten largest first.
import { tagVar, InfluxQL } from './influxql.ts';
import { tablePanel, type Pos } from './panels.ts';

const FILTER = [tagVar('model'), tagVar('board_kind'), tagVar('backend'), tagVar('tiling'), tagVar('arithmetic')].join(' AND ');

export const TOP_OPS = 10;

export function topOpsPanel(pos: Pos) {
  return tablePanel(`Top ${TOP_OPS} ops per model and board (per-op profile: count, count per MAC, share of the inference)`, pos,
    new InfluxQL(`SELECT TOP("count", "op", ${TOP_OPS}) AS "count", "op_kind", "macs", "per_mac", "share" FROM "op_profile" ` +
      `WHERE ${FILTER} AND $timeFilter GROUP BY "model", "board_kind", "backend", "tiling", "arithmetic"`));
}
