import type { Command } from 'commander';

// Placeholder until the owning module lands; replaced by the real command.
export function register(program: Command): void {
  program.command('demo').description('(not yet available)').action(() => {
    throw new Error('demo is not available yet');
  });
}
