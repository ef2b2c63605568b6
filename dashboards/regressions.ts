// Regressions: every flagged change with its baseline, as a table and as annotations over the
// counts of the affected configurations.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { InfluxQL, tagVar } from './influxql.ts';
import { tablePanel, tagVariable, timeSeries } from './panels.ts';
import { regressionAnnotations } from './model-performance.ts';

export function regressions(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('tinyrack — regressions')
    .uid('tinyrack-regressions').tags(['tinyrack']).refresh('1m').time({ from: 'now-30d', to: 'now' })
    .withVariable(tagVariable('model', 'Model', 'regressions'))
    .withVariable(tagVariable('board_kind', 'Board kind', 'regressions'))
    .annotation(regressionAnnotations())
    .withPanel(timeSeries('Change vs baseline', 'percent', { x: 0, y: 0, w: 24, h: 8 },
      new InfluxQL(`SELECT last("change_pct") FROM "regressions" WHERE ${tagVar('model')} AND ${tagVar('board_kind')} AND $timeFilter GROUP BY time($__interval), "model", "metric" fill(none)`)
        .alias('$tag_model $tag_metric')))
    .withPanel(tablePanel('Regression events', { x: 0, y: 8, w: 24, h: 12 },
      new InfluxQL(`SELECT "metric", "baseline", "value", "change_pct", "job_id", "text" FROM "regressions" WHERE ${tagVar('model')} AND ${tagVar('board_kind')} AND $timeFilter ORDER BY time DESC LIMIT 200`)))
    .build();
}
