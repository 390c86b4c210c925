// Every command registers itself here; one file per command.
import type { Command } from 'commander';
import { register as registerPlan } from './plan.ts';
import { register as registerCollect } from './collect.ts';
import { register as registerInit } from './init.ts';
import { register as registerPolicy } from './policy.ts';
import { register as registerReport } from './report.ts';
import { register as registerPr } from './pr.ts';
import { register as registerLocate } from './locate.ts';
import { register as registerEdit } from './edit.ts';
import { register as registerVerify } from './verify.ts';
import { register as registerReview } from './review.ts';

export function registerCommands(program: Command): void {
  registerPlan(program);
  registerCollect(program);
  registerInit(program);
  registerPolicy(program);
  registerReport(program);
  registerPr(program);
  registerLocate(program);
  registerEdit(program);
  registerVerify(program);
  registerReview(program);
}
