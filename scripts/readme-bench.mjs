#!/usr/bin/env node
// Copies the benchmark tables from bench/results/*.md into README.md between the
// <!-- bench:NAME --> markers, so the README always shows what the last benchmark run measured.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

let readme = readFileSync('README.md', 'utf8');
for (const name of ['memory', 'tiling', 'speed', 'lab']) {
  const file = `bench/results/${name}.md`;
  if (!existsSync(file)) continue;
  // Demote the benchmark's own headings so they nest under the README's section.
  const body = readFileSync(file, 'utf8').trim().replace(/^(#+) /gm, '$1## ');
  const re = new RegExp(`(<!-- bench:${name} -->)[\\s\\S]*?(<!-- /bench:${name} -->)`);
  if (!re.test(readme)) { console.error(`README.md has no <!-- bench:${name} --> marker`); process.exit(1); }
  readme = readme.replace(re, `$1\n${body}\n$2`);
}
writeFileSync('README.md', readme);
console.log('README.md benchmark sections updated');
