// Stack is RAM: the firmware's watermark counts every frame from the top of the stack down to
// the deepest kernel, so the frames on the models' deepest paths are checked here with GCC's
// own -fstack-usage for the Cortex-M4 board toolchain (the board of the on-device RAM figures):
// the harness's main (live under every timed inference), and the size kernels' frames that
// inlined copies of small loops used to inflate (tr_conv2d_s8_fast's border pixel and window
// gather). Bounds sit between the frames before the cut (main 48 B, pixel_border 304 B,
// gather_window 112 B with arm-none-eabi-gcc 12.2 -O2) and after it (24, 144, 72 B).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cortexM4F } from '../../boards/toolchains.ts';
import { AOT_CFLAGS } from '../../firmware/codegen/aot/index.ts';
import { HARNESS_DIR, KERNELS_DIR, RUNTIME_INCLUDE } from '../../firmware/build/paths.ts';
import { have } from './support/kernel-runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'tr-frames-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Frame bytes per function of one C file, from -fstack-usage (static frames only). */
async function frames(src: string, extra: string[] = []): Promise<Map<string, number>> {
  const obj = join(dir, `${src.split('/').pop()!.replace(/\.c$/, '')}.o`);
  await execa(`${cortexM4F.prefix}gcc`, [...cortexM4F.cflags, ...AOT_CFLAGS, '-fstack-usage', '-I', HARNESS_DIR, '-I', RUNTIME_INCLUDE, ...extra, '-c', src, '-o', obj]);
  const out = new Map<string, number>();
  for (const line of readFileSync(obj.replace(/\.o$/, '.su'), 'utf8').split('\n')) {
    const m = /:([A-Za-z_]\w*)\t(\d+)\t(\w+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

it('the frames under a timed inference stay small: harness main, tr_conv2d_s8_fast border and gather (Cortex-M4)', async (t) => {
  if (!(await have(`${cortexM4F.prefix}gcc`))) return t.skip(`${cortexM4F.prefix}gcc not installed`);
  const harness = await frames(join(HARNESS_DIR, 'main.c'), ['-DTR_BOARD_ID="qemu-mps2-an386"', '-DTR_COUNTER_KIND="instructions"']);
  assert.ok(harness.get('main')! <= 32, `main's frame ${harness.get('main')} B`);
  const conv = await frames(join(KERNELS_DIR, 'tr_conv2d_s8_fast.c'));
  for (const f of ['pixel_border', 'dot_g', 'gather_window', 'copy_run', 'conv_runs']) assert.ok(conv.has(f), `${f} is a function of its own`);
  // a border pixel's deepest frames, and the gathered path's per-pixel copy, below conv_runs / conv_gathered
  const border = conv.get('pixel_border')! + conv.get('dot_g')!;
  assert.ok(border <= 240, `pixel_border + dot_g ${border} B`);
  const gather = conv.get('gather_window')! + conv.get('copy_run')!;
  assert.ok(gather <= 96, `gather_window + copy_run ${gather} B`);
});
