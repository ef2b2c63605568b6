import type { Command } from 'commander';

// Placeholder until the owning module lands; replaced by the real command.
export function register(program: Command): void {
  program.command('daemon').description('(not yet available)').action(() => {
    throw new Error('daemon is not available yet');
  });
}
