/**
 * tfjs padding as explicit ONNX pads. tfjs 'same' pads (out-1)·stride + effective kernel − in in total, the smaller
 * half before and the larger after, so at stride 2 on even sizes the padding is asymmetric; ONNX's auto_pad
 * SAME_UPPER would agree, but explicit pads make the file say exactly what it computes.
 */

/** Pads [top, left, bottom, right] (ONNX order: begins then ends) for a 2-D window. */
export function pads2d(
  padding: string,
  inHW: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number] = [1, 1],
): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const eff = (kernel[i]! - 1) * dilation[i]! + 1;
    const out = Math.ceil(inHW[i]! / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + eff - inHW[i]!, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [before[0]!, before[1]!, after[0]!, after[1]!];
}

/** A [h, w] pair from a tfjs config value (a number or a pair). */
export function pair(v: unknown, name: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw new Error(`${name}: expected a number or a pair, got ${JSON.stringify(v)}`);
}
