#!/usr/bin/env node
// The demo on the embedded MNIST: train (or reuse) a teacher, then distill a student to a 25 KB budget.
// Run with `npm run demo` (which builds first). Outputs go to runs/demo/.
import { existsSync } from 'node:fs';
import { main } from '../dist/cli/index.js';

const teacher = 'runs/demo/teacher/student/model.json';
const step = async (args) => {
  console.error(`\n$ edge-distill ${args.join(' ')}`);
  const code = await main(args);
  if (code !== 0) process.exit(code);
};
if (existsSync(teacher)) console.error(`reusing the teacher from an earlier demo run: ${teacher}`);
else await step(['train-teacher', '--data', 'mnist', '--arch', 'cnn:width=2,depth=2', '--epochs', '4', '--out', 'runs/demo/teacher', '--force']);
await step(['distill', '--teacher', teacher, '--data', 'mnist', '--student', 'cnn', '--max-bytes', '25000', '--epochs', '6', '--out', 'runs/demo/run', '--force']);
