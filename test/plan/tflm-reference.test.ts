// The TFLM reference figures live once, in firmware/plan/tflm-reference.json; this checks that
// copy against the model set's README table (its source) cell by cell, so the two cannot drift.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelSetDir } from '../../firmware/model-set/index.ts';
import {
  TFLM_REFERENCE, tflmArenaUsed, tflmCmsisNnInstructionsPerMac, tflmInstructions, tflmPlannerBytes, tflmReferenceModels,
} from '../../firmware/plan/tflm-reference.ts';

const num = (s: string): number | undefined => (/^[\d,.]+$/.test(s.trim()) ? Number(s.trim().replace(/,/g, '')) : undefined);

describe('TFLM reference figures', () => {
  it('equal the model-set README table, cell by cell', () => {
    const readme = readFileSync(join(modelSetDir(), 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Reference figures'));
    assert.ok(section.includes(TFLM_REFERENCE.tflmCommit) && section.includes(TFLM_REFERENCE.cmsisNnCommit), 'commits named in the README');
    const rows = section.split('\n').filter((l) => /^\| [a-z_0-9]+( \(f32\))? \|/.test(l) && !l.startsWith('| model |'));
    assert.equal(rows.length, tflmReferenceModels().length);
    for (const row of rows) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      const model = cells[0]!.replace(' (f32)', '');
      assert.equal(tflmPlannerBytes(model), num(cells[1]!), `${model} planner bytes`);
      assert.equal(tflmArenaUsed(model, 'tflm')?.value, num(cells[2]!), `${model} arena_used reference`);
      assert.equal(tflmArenaUsed(model, 'tflm-cmsis-nn')?.value, num(cells[3]!), `${model} arena_used CMSIS-NN`);
      assert.equal(tflmInstructions(model, 'tflm')?.value, num(cells[4]!), `${model} instructions reference`);
      assert.equal(tflmInstructions(model, 'tflm-cmsis-nn')?.value, num(cells[5]!), `${model} instructions CMSIS-NN`);
      assert.equal(tflmCmsisNnInstructionsPerMac(model)?.value, num(cells[6]!), `${model} CMSIS-NN instructions/MAC`);
    }
  });

  it('every figure is labelled with what it is, the commit and the build type', () => {
    const f = tflmInstructions('aww', 'tflm-cmsis-nn')!;
    assert.match(f.label, /not measured here/);
    assert.match(f.label, /90b983c2/);
    assert.match(f.label, /CMSIS-NN 4ab83cc3/);
    assert.match(f.label, /-DNDEBUG/);
    assert.equal(tflmInstructions('sine_model', 'tflm'), undefined);
    assert.equal(tflmInstructions('cifar10', 'tflm'), undefined, 'soft-float figures are not comparable');
  });
});
