// Can a board's toolchain build C++ firmware? TFLite-Micro is C++: its compiler must exist and
// find the C++ standard headers. Debian's riscv64-unknown-elf ships g++ without libstdc++
// headers, so `#include <new>` fails there; asking once, before compiling anything, turns a
// compiler crash deep in TFLM into one error naming the toolchain.
import { execa } from 'execa';
import type { BoardDefinition } from '../../boards/types.ts';
import { hasTool } from './compile.ts';

const checked = new Map<string, Promise<string | undefined>>();

/** Why `board`'s toolchain cannot build C++ here, or undefined when it can. */
export function cxxToolchainProblem(board: BoardDefinition): Promise<string | undefined> {
  const tc = board.toolchain;
  const cxx = `${tc.prefix}g++`;
  const key = `${cxx} ${tc.cflags.join(' ')}`;
  let p = checked.get(key);
  if (!p) {
    p = (async () => {
      if (!(await hasTool(cxx))) return `toolchain ${cxx} not found on PATH: TFLite-Micro is C++ (install: ${tc.installHint})`;
      const r = await execa(cxx, [...tc.cflags, '-x', 'c++', '-fsyntax-only', '-'], {
        input: '#include <new>\n#include <cstdint>\n#include <cstring>\n', reject: false, timeout: 60_000, all: true,
      });
      if (r.exitCode !== 0) {
        return `toolchain ${cxx} (board ${board.id}) has no C++ standard library headers (<new> not found): TFLite-Micro is C++ and cannot be built with it — use a toolchain that ships libstdc++ for this target`;
      }
      return undefined;
    })();
    checked.set(key, p);
  }
  return p;
}
