import { buildFirmware } from '../../firmware/build/index.ts';
import { getBoard } from '../../boards/index.ts';
import { runQemu } from '../drivers/qemu.ts';
for (const model of ['toycar', 'sine_model']) {
const r = await buildFirmware({ model, board: 'qemu-mps2-an386', reps: 1 });
const q = await runQemu(await getBoard('qemu-mps2-an386'), r.elfPath, { timeoutMs: 20000 });
console.log(model, 'expected', JSON.stringify(r.expectedOutputs).slice(0, 300));
console.log(model, 'got     ', q.lines.filter(l => l.includes(' OUT ')).join('').slice(0, 300));
}
