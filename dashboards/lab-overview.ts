// Lab overview: agents online, boards by state, the job queue over time, job events and the
// latest failures.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { InfluxQL } from './influxql.ts';
import { statPanel, tablePanel, timeSeries } from './panels.ts';

export function labOverview(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('tinyrack — lab overview')
    .uid('tinyrack-lab').tags(['tinyrack']).refresh('30s').time({ from: 'now-24h', to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withPanel(statPanel('Agents online', 'none', { x: 0, y: 0, w: 4, h: 4 },
      new InfluxQL('SELECT sum("online") FROM (SELECT last("online") AS "online" FROM "agent_health" WHERE $timeFilter GROUP BY "agent")')))
    .withPanel(statPanel('Boards by state', 'none', { x: 4, y: 0, w: 10, h: 4 },
      new InfluxQL('SELECT sum("idle") AS "idle", sum("busy") AS "busy", sum("quarantined") AS "quarantined", sum("missing") AS "missing" ' +
        'FROM (SELECT last("idle") AS "idle", last("busy") AS "busy", last("quarantined") AS "quarantined", last("missing") AS "missing" FROM "board_state" WHERE $timeFilter GROUP BY "board")')))
    .withPanel(statPanel('Jobs failed', 'none', { x: 14, y: 0, w: 5, h: 4 },
      new InfluxQL(`SELECT count("job_id") FROM "jobs" WHERE "event" = 'failed' AND $timeFilter`)))
    .withPanel(statPanel('Results', 'none', { x: 19, y: 0, w: 5, h: 4 },
      new InfluxQL('SELECT count("count") FROM "results" WHERE $timeFilter')))
    .withPanel(timeSeries('Queue depth', 'none', { x: 0, y: 4, w: 12, h: 8 },
      new InfluxQL('SELECT last("queue_depth") AS "queued" FROM "jobs" WHERE $timeFilter GROUP BY time($__interval) fill(none)')))
    .withPanel(timeSeries('Job events', 'none', { x: 12, y: 4, w: 12, h: 8 },
      new InfluxQL('SELECT count("job_id") FROM "jobs" WHERE $timeFilter GROUP BY time($__interval), "event" fill(none)').alias('$tag_event')))
    .withPanel(tablePanel('Boards', { x: 0, y: 12, w: 12, h: 8 },
      new InfluxQL('SELECT last("busy") AS "busy", last("quarantined") AS "quarantined", last("missing") AS "missing", last("failures") AS "failures" ' +
        'FROM "board_state" WHERE $timeFilter GROUP BY "agent", "board", "board_kind"')))
    .withPanel(tablePanel('Latest failures', { x: 12, y: 12, w: 12, h: 8 },
      new InfluxQL(`SELECT "job_id", "board", "agent", "attempt", "error" FROM "jobs" WHERE ("event" = 'failed' OR "event" = 'requeued') AND $timeFilter ORDER BY time DESC LIMIT 50`)))
    .build();
}
