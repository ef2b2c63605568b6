// The op_profile measurement: one point per op of a profiled result (tags below; fields count,
// macs, per_mac for ops with MACs, share of the inference, job_id), so a dashboard can rank the
// ops of a model on a board and follow one op over time. A leaf module: schema.ts lists it,
// op-profile.ts makes its points.
import { FieldType, type ISchemaOptions } from 'influx';

export const OP_PROFILE_MEASUREMENT = 'op_profile';
/** op = the op's index in the compiled graph, op_kind = its kind (CONV_2D, ...). */
export const OP_PROFILE_TAGS = ['model', 'board_kind', 'backend', 'tiling', 'arithmetic', 'op', 'op_kind', 'suite', 'counter'] as const;

export const opProfileSchema: ISchemaOptions = {
  measurement: OP_PROFILE_MEASUREMENT,
  tags: [...OP_PROFILE_TAGS],
  fields: { count: FieldType.INTEGER, macs: FieldType.INTEGER, per_mac: FieldType.FLOAT, share: FieldType.FLOAT, job_id: FieldType.STRING },
};
