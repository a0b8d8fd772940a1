// Regenerates targets/target.schema.json from the zod schema in src/config/target.ts and the runner registry's
// backends (src/bench/targets.ts) (npm run targets:schema). A test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { builtinTargetsDir } from '../src/config/target.js';
import { benchTargetJsonSchema } from '../src/bench/targets.js';
import { join } from 'node:path';

const path = join(builtinTargetsDir(), 'target.schema.json');
writeFileSync(path, JSON.stringify(benchTargetJsonSchema(), null, 2) + '\n');
console.log(`wrote ${path}`);
