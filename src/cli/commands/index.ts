// Every command registers itself here; one file per command.
import type { Command } from 'commander';
import { register as registerPlan } from './plan.ts';
import { register as registerCollect } from './collect.ts';
import { register as registerInit } from './init.ts';
import { register as registerPolicy } from './policy.ts';
import { register as registerReport } from './report.ts';

export function registerCommands(program: Command): void {
  registerPlan(program);
  registerCollect(program);
  registerInit(program);
  registerPolicy(program);
  registerReport(program);
}
