// provisioning/fetch-tflm.sh without the network: trees stamped with its commit and options are
// kept as they are (idempotent, nothing fetched); a missing or differently stamped tree makes it
// fetch, and a repository it cannot reach is a failure, never a silent success.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = 'provisioning/fetch-tflm.sh';
const text = readFileSync(SCRIPT, 'utf8');
const commit = /^TFLM_COMMIT=(\w+)/m.exec(text)![1]!;
const options = /^TFLM_MAKE_OPTIONS=\$\{TFLM_MAKE_OPTIONS:-(.*)\}$/m.exec(text)![1]!;
const stamp = (kernels: string, extra: string) =>
  `{"tflmCommit":"${commit}","kernels":"${kernels}","makefileOptions":"${options}${extra ? ` ${extra}` : ''}","generator":"tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py"}`;

test('fetch-tflm.sh keeps trees stamped with its commit; otherwise it fetches, and an unreachable repository fails', () => {
  const dest = mkdtempSync(join(tmpdir(), 'tr-fetch-tflm-'));
  try {
    assert.equal(commit, '90b983c2', 'the commit of the model set reference figures');
    for (const [k, extra] of [['reference', ''], ['cmsis_nn', 'OPTIMIZED_KERNEL_DIR=cmsis_nn']] as const) {
      mkdirSync(join(dest, k), { recursive: true });
      writeFileSync(join(dest, k, 'TINYRACK_TREE.json'), `${stamp(k, extra)}\n`);
    }
    const env = { ...process.env, TINYRACK_TFLM_TREES: dest, TFLM_REPO: join(dest, 'no-such-repo') };
    const kept = spawnSync('bash', [SCRIPT], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(kept.status, 0, kept.stderr);
    assert.match(kept.stdout, new RegExp(`trees at ${commit} already in`));

    writeFileSync(join(dest, 'cmsis_nn', 'TINYRACK_TREE.json'), stamp('cmsis_nn', 'OPTIMIZED_KERNEL_DIR=cmsis_nn').replace(commit, 'deadbeef'));
    const refetch = spawnSync('bash', [SCRIPT], { env, encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(refetch.status, 0, 'a stale tree with no reachable repository is a failure');
    assert.match(refetch.stderr, /no-such-repo/);
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
});
