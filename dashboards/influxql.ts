// The SDK ships no InfluxDB query type, so this is one: a raw InfluxQL target as Grafana's
// InfluxDB (InfluxQL) datasource stores it. Dashboards use it like any other cog Dataquery.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';

export const DATASOURCE: common.DataSourceRef = { type: 'influxdb', uid: 'tinyrack-influx' };

export interface InfluxQLQuery extends cog.Dataquery {
  refId: string;
  datasource: common.DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

export class InfluxQL implements cog.Builder<cog.Dataquery> {
  private readonly q: InfluxQLQuery;
  constructor(query: string, refId = 'A') {
    this.q = {
      refId, datasource: DATASOURCE, query, rawQuery: true, resultFormat: 'time_series',
      _implementsDataqueryVariant() {},
    };
  }
  table(): this { this.q.resultFormat = 'table'; return this; }
  alias(alias: string): this { this.q.alias = alias; return this; }
  build(): cog.Dataquery {
    // A plain object (the marker method is dropped by JSON.stringify anyway).
    return { ...this.q };
  }
}

/** A tag filter that follows a (multi-value, regex-formatted) template variable. */
export const tagVar = (tag: string, variable = tag) => `"${tag}" =~ /^$${variable}$/`;
