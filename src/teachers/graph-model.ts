import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import { readModelArtifacts } from '../runtime/model-io.js';
import { modelJsonFiles } from './layers-teacher.js';
import type { NodeInfo, TeacherModel, TensorInfo } from './model.js';

/** A node of a GraphModel's GraphDef (the JSON the tfjs converter writes under modelTopology.node). */
interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { type?: string; list?: { s?: string[] } }>;
}

/** Ops whose output is not a feature: weights, control flow, integer shape arithmetic. */
const NOT_FEATURE: Record<string, string> = {
  Const: 'a constant (weights)',
  NoOp: 'no output',
  Shape: 'integer shape arithmetic',
  ShapeN: 'integer shape arithmetic',
  Size: 'integer shape arithmetic',
  Rank: 'integer shape arithmetic',
  Enter: 'control flow',
  Exit: 'control flow',
  Merge: 'control flow',
  Switch: 'control flow',
  NextIteration: 'control flow',
  LoopCond: 'control flow',
};
const INT_TYPES = new Set(['DT_INT32', 'DT_INT64', 'DT_BOOL', 'DT_STRING']);
/** The op a fused node starts from: its output before the fused ops ran existed as a node before conversion. */
const FUSED_BASE: Record<string, string> = { _FusedConv2D: 'Conv2D', FusedDepthwiseConv2dNative: 'DepthwiseConv2dNative', _FusedMatMul: 'MatMul', _FusedBatchMatMul: 'BatchMatMul' };

/** Decodes a GraphDef string attribute (base64 in model.json). */
function attrString(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

/**
 * The nodes of a GraphDef, tap-able or not. The tfjs converter fuses Conv2D/MatMul with the BiasAdd and activation
 * after them into one node (e.g. `_FusedConv2D` with fused_ops [BiasAdd, Relu], named after the last op): the
 * pre-activation values no longer exist, so they are listed under their usual TF names (`scope/Conv2D`,
 * `scope/BiasAdd`) as not tap-able, pointing at the fused node.
 */
export function graphNodes(nodes: GraphNode[]): NodeInfo[] {
  const names = new Set(nodes.map((n) => n.name));
  const out: NodeInfo[] = [];
  for (const n of nodes) {
    if (n.op === 'Placeholder') continue;
    const t = n.attr?.T?.type ?? n.attr?.dtype?.type;
    const reason = NOT_FEATURE[n.op] ?? (t && INT_TYPES.has(t) ? `integer values (${t})` : undefined);
    out.push({ name: n.name, op: n.op, tapable: reason === undefined, ...(reason ? { reason } : {}) });
    const base = FUSED_BASE[n.op];
    const fusedOps = (n.attr?.fused_ops?.list?.s ?? []).map(attrString);
    if (base && fusedOps.length > 0) {
      const scope = n.name.includes('/') ? n.name.slice(0, n.name.lastIndexOf('/')) : '';
      const chain = [base, ...fusedOps];
      for (const op of chain.slice(0, -1)) {
        const name = scope ? `${scope}/${op}` : op;
        if (!names.has(name)) out.push({ name, op, tapable: false, reason: `fused into ${n.name} (${n.op}: ${chain.join('+')}) by the converter; tap ${n.name} instead` });
      }
    }
  }
  return out;
}

/** A tfjs GraphModel (format graph-model) as a {@link TeacherModel}: taps are node names, NHWC. */
export class GraphModelFile implements TeacherModel {
  readonly kind = 'graph-model';
  readonly layout = 'nhwc' as const;
  readonly summary: string;
  private readonly nodeList: GraphNode[];
  private async_ = false;

  constructor(readonly files: string[], private readonly model: tf.GraphModel, topology: { node?: GraphNode[] }, convertedBy: string | undefined) {
    this.nodeList = topology.node ?? [];
    this.summary = `tfjs GraphModel, ${this.nodeList.length} nodes${convertedBy ? `, converted by ${convertedBy}` : ''}`;
  }

  get input(): TensorInfo {
    const ins = this.model.inputs;
    return { name: ins[0]?.name ?? '?', shape: ins.length === 1 ? ins[0]!.shape : undefined, dtype: ins[0]?.dtype ?? 'float32' };
  }

  get outputs(): TensorInfo[] {
    return this.model.outputs.map((o) => ({ name: o.name, shape: o.shape, ...(o.dtype ? { dtype: o.dtype } : {}) }));
  }

  nodes(): NodeInfo[] {
    return graphNodes(this.nodeList);
  }

  /** The op producing `name`, looking through Identity nodes (the converter ends graphs with one). */
  producer(name: string): string | undefined {
    let n = this.nodeList.find((x) => x.name === name);
    for (let hops = 0; n?.op === 'Identity' && n.input?.[0] && hops < 16; hops++) {
      const src = n.input[0].replace(/:\d+$/, '');
      n = this.nodeList.find((x) => x.name === src);
    }
    return n?.op;
  }

  async run(x: tf.Tensor, fetch: readonly string[]): Promise<tf.Tensor[]> {
    const names = [...fetch];
    if (!this.async_) {
      try {
        const out = this.model.execute(x, names);
        return Array.isArray(out) ? out : [out];
      } catch (e) {
        // Graphs with control flow or dynamic shapes only run through executeAsync.
        if (!/executeAsync/.test((e as Error).message)) throw e;
        this.async_ = true;
      }
    }
    const out = await this.model.executeAsync(x, names);
    return Array.isArray(out) ? out : [out];
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Opens a GraphModel model.json with tf.loadGraphModel over a file IOHandler (no tfjs-node needed). */
export async function openGraphModel(path: string): Promise<GraphModelFile> {
  const artifacts = await readModelArtifacts(path);
  const topology = artifacts.modelTopology as { node?: GraphNode[] };
  if (!topology || !Array.isArray(topology.node)) throw new UserError(`${path}: a graph-model model.json without GraphDef nodes (modelTopology.node); re-export it with the tfjs converter`);
  let model: tf.GraphModel;
  try {
    model = await tf.loadGraphModel({ load: async () => artifacts });
  } catch (e) {
    throw new UserError(`${path}: tfjs could not load the GraphModel (${(e as Error).message.split('\n')[0]})`);
  }
  if (model.inputs.length !== 1) {
    model.dispose();
    throw new UserError(`${path}: the GraphModel takes ${model.inputs.length} inputs [${model.inputs.map((i) => i.name).join(', ')}]; a teacher takes one image batch`);
  }
  return new GraphModelFile(await modelJsonFiles(path), model, topology, artifacts.convertedBy ?? undefined);
}
