// Small helpers shared by the dashboards: panel builders preset with the datasource and layout.
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { DATASOURCE, InfluxQL } from './influxql.ts';

export type Pos = { x: number; y: number; w: number; h: number };

export function timeSeries(title: string, unit: string, pos: Pos, ...queries: InfluxQL[]) {
  return new timeseries.PanelBuilder().title(title).datasource(DATASOURCE).unit(unit).gridPos(pos)
    .targets(queries).showPoints(common.VisibilityMode.Always).pointSize(5).lineWidth(1).spanNulls(true);
}

export function statPanel(title: string, unit: string, pos: Pos, ...queries: InfluxQL[]) {
  return new stat.PanelBuilder().title(title).datasource(DATASOURCE).unit(unit).gridPos(pos).targets(queries);
}

export function tablePanel(title: string, pos: Pos, ...queries: InfluxQL[]) {
  return new table.PanelBuilder().title(title).datasource(DATASOURCE).gridPos(pos).targets(queries.map((q) => q.table()));
}

export function barChart(title: string, unit: string, pos: Pos, ...queries: InfluxQL[]) {
  return new barchart.PanelBuilder().title(title).datasource(DATASOURCE).unit(unit).gridPos(pos).targets(queries.map((q) => q.table()));
}

/** A template variable filled from InfluxDB tag values (multi-select with "All"). */
export function tagVariable(name: string, label: string, measurement: string, tag = name) {
  return new dashboard.QueryVariableBuilder(name).label(label).datasource(DATASOURCE)
    .query(`SHOW TAG VALUES FROM "${measurement}" WITH KEY = "${tag}"`)
    .definition(`SHOW TAG VALUES FROM "${measurement}" WITH KEY = "${tag}"`)
    .multi(true).includeAll(true).refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}
