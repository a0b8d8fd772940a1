import type { Command } from '../command.js';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../config/load.js';
import { applyTeacherFlags, TEACHER_OPTIONS } from '../teacher-flags.js';

export const command: Command = {
  name: 'inspect',
  summary: 'List a teacher\'s input, outputs and tap-able intermediate tensors with their shapes (to choose --feature mappings); tensors a converter fused away or that hold no features are listed as not tap-able.',
  options: {
    config: { type: 'string', short: 'c', description: 'pipeline config JSON whose teacher to inspect (flags override it)', valueName: 'FILE' },
    ...TEACHER_OPTIONS,
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  async run(v) {
    const c = (v.config ? structuredClone(await readJsonFile(String(v.config), 'pipeline config')) : {}) as Record<string, unknown>;
    applyTeacherFlags(c, v);
    if (!c.teacher) throw new UserError('--teacher: missing; give the tfjs model.json or .onnx file to inspect');
    const { initBackend } = await import('../../runtime/backend.js');
    await initBackend('auto');
    const { inspectTeacher, formatReport } = await import('../../teachers/inspect.js');
    const r = await inspectTeacher(c.teacher as { path: string });
    console.log(v.json ? JSON.stringify(r, null, 2) : formatReport(r));
  },
};
