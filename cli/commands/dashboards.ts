import type { Command } from 'commander';

// Placeholder until the owning module lands; replaced by the real command.
export function register(program: Command): void {
  program.command('dashboards').description('(not yet available)').action(() => {
    throw new Error('dashboards is not available yet');
  });
}
