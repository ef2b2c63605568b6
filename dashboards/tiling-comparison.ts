// Tiling and backend comparison: for one model and board kind, what each tiling mode and each
// backend (aot, TFLite-Micro with reference or CMSIS-NN kernels) does to RAM, ROM and the
// instruction/cycle count (the trade FDT/FFMT make: less peak RAM for some extra work; the
// trade between stacks: the same model, different code).
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { InfluxQL, tagVar } from './influxql.ts';
import { barChart, tablePanel, tagVariable } from './panels.ts';
import { regressionAnnotations } from './model-performance.ts';

// One arithmetic at a time: reference and xnnpack builds run different kernels.
const FILTER = [tagVar('model'), tagVar('board_kind'), tagVar('backend'), tagVar('arithmetic')].join(' AND ');
const BACKEND_FIELDS = 'last("ram_bytes") AS "ram_bytes", last("arena_bytes") AS "arena_bytes", last("stack_bytes") AS "stack_bytes", last("count") AS "count", last("latency_us") AS "latency_us"';

export function tilingComparison(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('tinyrack — tiling and backend comparison')
    .uid('tinyrack-tiling').tags(['tinyrack']).refresh('1m').time({ from: 'now-30d', to: 'now' })
    .withVariable(tagVariable('model', 'Model', 'results'))
    .withVariable(tagVariable('board_kind', 'Board kind', 'results'))
    .withVariable(tagVariable('backend', 'Backend', 'results'))
    .withVariable(tagVariable('arithmetic', 'Arithmetic', 'results'))
    .annotation(regressionAnnotations())
    .withPanel(barChart('Arena bytes by tiling', 'bytes', { x: 0, y: 0, w: 12, h: 9 },
      new InfluxQL(`SELECT last("arena_bytes") AS "arena_bytes" FROM "results" WHERE ${FILTER} AND $timeFilter GROUP BY "tiling"`)))
    .withPanel(barChart('Count by tiling', 'none', { x: 12, y: 0, w: 12, h: 9 },
      new InfluxQL(`SELECT last("count") AS "count" FROM "results" WHERE ${FILTER} AND $timeFilter GROUP BY "tiling"`)))
    .withPanel(tablePanel('Tiling matrix (latest per configuration)', { x: 0, y: 9, w: 24, h: 10 },
      new InfluxQL(`SELECT last("arena_bytes") AS "arena_bytes", last("ram_bytes") AS "ram_bytes", last("rom_bytes") AS "rom_bytes", last("count") AS "count", ` +
        `last("latency_us") AS "latency_us", last("outputs_match") AS "outputs_match" FROM "results" WHERE ${FILTER} AND $timeFilter GROUP BY "model", "board_kind", "backend", "tiling", "arithmetic"`)))
    // Backends side by side (the Backend variable picks which; All compares every stack).
    .withPanel(barChart('Backend comparison: RAM and count by backend and tiling (latest)', 'none', { x: 0, y: 19, w: 12, h: 9 },
      new InfluxQL(`SELECT last("ram_bytes") AS "ram_bytes", last("count") AS "count" FROM "results" WHERE ${FILTER} AND $timeFilter GROUP BY "backend", "tiling"`)))
    .withPanel(tablePanel('Backend comparison (latest per backend and tiling)', { x: 12, y: 19, w: 12, h: 9 },
      new InfluxQL(`SELECT ${BACKEND_FIELDS} FROM "results" WHERE ${FILTER} AND $timeFilter GROUP BY "backend", "tiling"`)))
    .build();
}
