import { createRegistry } from '../core/registry.js';
import type { StudentFamily } from '../core/types.js';
import { cnnFamily } from './cnn.js';
import { dsconvFamily } from './dsconv.js';
import { mlpFamily } from './mlp.js';
import { vggFamily } from './vgg.js';

/** The student families, by name. Adding one: a file in this folder, a line here, a test. */
export const studentFamilies = createRegistry<StudentFamily<any>>('student family');
studentFamilies.register(cnnFamily);
studentFamilies.register(dsconvFamily);
studentFamilies.register(mlpFamily);
studentFamilies.register(vggFamily);
