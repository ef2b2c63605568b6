// Per-model performance over time: instruction/cycle count, latency, energy and memory, by board
// kind and configuration (template variables), with regressions as annotations.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE, InfluxQL, tagVar } from './influxql.ts';
import { tablePanel, tagVariable, timeSeries } from './panels.ts';
import { topOpsPanel } from './op-profile.ts';

// `arithmetic` splits reference (TFLite-Micro fixed point) from xnnpack (float requantization)
// builds: different kernels, different counts, never one series.
const FILTER = [tagVar('model'), tagVar('board_kind'), tagVar('backend'), tagVar('tiling'), tagVar('arithmetic')].join(' AND ');
const BY = 'GROUP BY time($__interval), "board_kind", "backend", "tiling", "arithmetic" fill(none)';
const ALIAS = '$tag_board_kind $tag_backend/$tag_tiling/$tag_arithmetic';

export function regressionAnnotations(filter = `${tagVar('model')} AND ${tagVar('board_kind')}`) {
  return new dashboard.AnnotationQueryBuilder().name('Regressions').datasource(DATASOURCE).enable(true).iconColor('red')
    .target(new InfluxQL(`SELECT "text", "change_pct" FROM "regressions" WHERE ${filter} AND $timeFilter`, 'Anno').table());
}

export function modelPerformance(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('tinyrack — model performance')
    .uid('tinyrack-model').tags(['tinyrack']).refresh('1m').time({ from: 'now-30d', to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(tagVariable('model', 'Model', 'results'))
    .withVariable(tagVariable('board_kind', 'Board kind', 'results'))
    .withVariable(tagVariable('backend', 'Backend', 'results'))
    .withVariable(tagVariable('tiling', 'Tiling', 'results'))
    .withVariable(tagVariable('arithmetic', 'Arithmetic', 'results'))
    .annotation(regressionAnnotations())
    .withPanel(timeSeries('Count per inference (instructions on QEMU, cycles on silicon)', 'none', { x: 0, y: 0, w: 12, h: 8 },
      new InfluxQL(`SELECT median("count") FROM "results" WHERE ${FILTER} AND $timeFilter ${BY}`).alias(ALIAS)))
    .withPanel(timeSeries('Latency (estimated on QEMU: instructions at the nominal clock; see latency_estimated)', 'µs', { x: 12, y: 0, w: 12, h: 8 },
      new InfluxQL(`SELECT mean("latency_us") FROM "results" WHERE ${FILTER} AND $timeFilter ${BY}`).alias(ALIAS)))
    .withPanel(timeSeries('Energy per inference (see the energy_estimated field)', 'µJ', { x: 0, y: 8, w: 12, h: 8 },
      new InfluxQL(`SELECT mean("energy_uj") FROM "results" WHERE ${FILTER} AND $timeFilter ${BY}`).alias(ALIAS)))
    .withPanel(timeSeries('Memory', 'bytes', { x: 12, y: 8, w: 12, h: 8 },
      new InfluxQL(`SELECT max("arena_bytes") AS "arena", max("ram_bytes") AS "ram", max("rom_bytes") AS "rom", max("stack_bytes") AS "stack" FROM "results" WHERE ${FILTER} AND $timeFilter ${BY}`)
        .alias(`$col ${ALIAS}`)))
    .withPanel(tablePanel('Latest results', { x: 0, y: 16, w: 24, h: 8 },
      new InfluxQL(`SELECT last("count") AS "count", last("latency_us") AS "latency_us", last("latency_estimated") AS "latency_estimated", last("energy_estimated") AS "energy_estimated", last("arena_bytes") AS "arena_bytes", last("rom_bytes") AS "rom_bytes", ` +
        `last("outputs_match") AS "outputs_match", last("firmware_hash") AS "firmware" FROM "results" WHERE ${FILTER} AND $timeFilter GROUP BY "model", "board_kind", "backend", "tiling", "arithmetic"`)))
    .withPanel(topOpsPanel({ x: 0, y: 24, w: 24, h: 10 }))
    .build();
}
