// The host board: the "firmware" is a native executable the run step starts as a process.
import { accessSync, constants } from 'node:fs';
import type { Flasher } from './flasher.ts';
import { FlashError } from './flasher.ts';

export const hostFlasher: Flasher = {
  kind: 'host',
  async flash(target, image) {
    try {
      accessSync(image.elfPath, constants.X_OK);
    } catch (err) {
      throw new FlashError(target.boardId, 'host', undefined, '', `firmware not executable: ${(err as Error).message}`);
    }
    return { tool: 'host', verified: true, runImage: image.elfPath, durationMs: 0 };
  },
};

export { hostFlasher as flasher };
