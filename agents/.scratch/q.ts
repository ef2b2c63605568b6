import { buildFirmware } from '../../firmware/build/index.ts';
import { getBoard } from '../../boards/index.ts';
import { runQemu } from '../drivers/qemu.ts';
const r = await buildFirmware({ model: 'sine_model', board: 'qemu-mps2-an386', reps: 3 });
console.log(r.elfPath);
const q = await runQemu(await getBoard('qemu-mps2-an386'), r.elfPath, { timeoutMs: 20000 });
console.log(q.exitCode, q.timedOut, q.stderr.slice(0, 500), q.lines.slice(0, 20));
