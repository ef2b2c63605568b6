// Lab overview: agents online, boards by state, the job queue over time, job events, the
// latest failures, and the agents' own health samples (load, free memory and disk, uptime,
// serial noise per board: the early signs of a machine or cable going bad).
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
    // queued/started/done are counted points (`jobs` = how many, no job_id), failed/requeued and
    // points written before that a point per job (job_id, no `jobs`): the sum reads both, and
    // fill(0) keeps an interval holding only one form from adding up to null
    // (daemon/influx/job-event-counts.ts).
    .withPanel(timeSeries('Job events', 'none', { x: 12, y: 4, w: 12, h: 8 },
      new InfluxQL('SELECT count("job_id") + sum("jobs") FROM "jobs" WHERE $timeFilter GROUP BY time($__interval), "event" fill(0)').alias('$tag_event')))
    .withPanel(tablePanel('Boards', { x: 0, y: 12, w: 12, h: 8 },
      new InfluxQL('SELECT last("busy") AS "busy", last("quarantined") AS "quarantined", last("missing") AS "missing", last("failures") AS "failures", ' +
        'last("serial_noise_lines") AS "serial_noise", last("serial_corrupt_lines") AS "serial_corrupt" ' +
        'FROM "board_state" WHERE $timeFilter GROUP BY "agent", "board", "board_kind"')))
    .withPanel(tablePanel('Latest failures', { x: 12, y: 12, w: 12, h: 8 },
      new InfluxQL(`SELECT "job_id", "board", "agent", "attempt", "error" FROM "jobs" WHERE ("event" = 'failed' OR "event" = 'requeued') AND $timeFilter ORDER BY time DESC LIMIT 50`)))
    // From the agents' health samples (tinyrack/agents/<id>/health).
    .withPanel(timeSeries('Agent load (1 min)', 'none', { x: 0, y: 20, w: 8, h: 8 },
      new InfluxQL('SELECT mean("load1") FROM "agent_health" WHERE $timeFilter GROUP BY time($__interval), "agent" fill(none)').alias('$tag_agent')))
    .withPanel(timeSeries('Agent free memory and disk', 'bytes', { x: 8, y: 20, w: 8, h: 8 },
      new InfluxQL('SELECT min("mem_free_bytes") AS "memory", min("disk_free_bytes") AS "disk" FROM "agent_health" WHERE $timeFilter GROUP BY time($__interval), "agent" fill(none)')
        .alias('$col $tag_agent')))
    .withPanel(tablePanel('Agents (latest health sample)', { x: 16, y: 20, w: 8, h: 8 },
      new InfluxQL('SELECT last("uptime_s") AS "uptime_s", last("load1") AS "load1", last("mem_free_bytes") AS "mem_free", last("disk_free_bytes") AS "disk_free", ' +
        'last("boards_quarantined") AS "quarantined" FROM "agent_health" WHERE $timeFilter GROUP BY "agent"')))
    .build();
}
