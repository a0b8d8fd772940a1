// WebAssembly text of the SIMD kernels (src/runtime/wasm-training/simd/module.ts compiles it). The text is generated
// so that the register-blocked micro-kernels can be unrolled for every tile shape without writing each by hand.
// All pointers and strides are byte offsets into the tfjs wasm backend's own linear memory, which the module
// imports, so kernels read and write tensors in place.

/** Tile shapes (ci rows × co vectors of 4) of the weight-gradient micro-kernels. Kept ≤ 9 accumulators so that the
 * accumulators, the co vectors and a temporary stay within x64's 16 vector registers. */
export const MAX_TILE_ACCUMULATORS = 9;
const MAX_TILE_SIDE = 4;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function microName(mr: number, nr: number): string {
  return `$mk_${mr}_${nr}`;
}

/**
 * The pixel walk of a micro-kernel over a tap's window: $rows rows of $cols pixels, with $xq/$dq at the current
 * pixel of x and dy for `perPixel` (row strides $xrs/$drs, column strides $xcs/$dcs, in bytes).
 */
function walkWindow(perPixel: string): string {
  return `(loop $row
      (local.set $xq (local.get $xp))
      (local.set $dq (local.get $dp))
      (local.set $c (local.get $cols))
      (loop $col
        ${perPixel}
        (local.set $xq (i32.add (local.get $xq) (local.get $xcs)))
        (local.set $dq (i32.add (local.get $dq) (local.get $dcs)))
        (br_if $col (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
      (local.set $xp (i32.add (local.get $xp) (local.get $xrs)))
      (local.set $dp (i32.add (local.get $dp) (local.get $drs)))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1)))))`;
}

/**
 * One micro-kernel: acc[mr × 4nr] += Σ_rows Σ_cols x[ci0..ci0+mr) ⊗ dy[co0..co0+4nr), walking a 2-D grid of pixels
 * (rows × cols) with separate strides for x and dy, so one call covers a filter tap's whole valid output window.
 */
function microKernel(mr: number, nr: number): string {
  const I = range(mr);
  const J = range(nr);
  const locals = [
    ...I.flatMap((i) => J.map((j) => `(local $a${i}_${j} v128)`)),
    ...J.map((j) => `(local $d${j} v128)`),
    ...I.map((i) => `(local $s${i} v128)`),
    ...I.map((i) => `(local $ap${i} i32)`),
    '(local $xq i32) (local $dq i32) (local $c i32)',
  ];
  const rowPtrs = I.map((i) => `(local.set $ap${i} (i32.add (local.get $ap) (i32.mul (local.get $ars) (i32.const ${i}))))`);
  const loadAcc = I.flatMap((i) => J.map((j) => `(local.set $a${i}_${j} (v128.load offset=${j * 16} (local.get $ap${i})))`));
  const storeAcc = I.flatMap((i) => J.map((j) => `(v128.store offset=${j * 16} (local.get $ap${i}) (local.get $a${i}_${j}))`));
  const body = [
    ...J.map((j) => `(local.set $d${j} (v128.load offset=${j * 16} (local.get $dq)))`),
    ...I.map((i) => `(local.set $s${i} (v128.load32_splat offset=${i * 4} (local.get $xq)))`),
    ...I.flatMap((i) => J.map((j) => `(local.set $a${i}_${j} (f32x4.add (local.get $a${i}_${j}) (f32x4.mul (local.get $s${i}) (local.get $d${j}))))`)),
  ];
  return `
  (func ${microName(mr, nr)} (type $micro)
    (param $xp i32) (param $dp i32) (param $ap i32) (param $rows i32) (param $cols i32)
    (param $xrs i32) (param $xcs i32) (param $drs i32) (param $dcs i32) (param $ars i32)
    ${locals.join(' ')}
    ${rowPtrs.join('\n    ')}
    ${loadAcc.join('\n    ')}
    ${walkWindow(body.join('\n        '))}
    ${storeAcc.join('\n    ')})`;
}

/** Every (mr, nr) the driver can hand out, tails included, indexed (mr−1)·4 + (nr−1) in the function table. */
function microTable(): { funcs: string[]; elems: string[] } {
  const funcs: string[] = [];
  const elems: string[] = [];
  for (const mr of range(MAX_TILE_SIDE).map((i) => i + 1)) {
    for (const nr of range(MAX_TILE_SIDE).map((i) => i + 1)) {
      if (mr * nr <= MAX_TILE_ACCUMULATORS) {
        funcs.push(microKernel(mr, nr));
        elems.push(microName(mr, nr));
      } else {
        elems.push('$never');
      }
    }
  }
  return { funcs, elems };
}

/** The arguments both weight-gradient drivers start with (see conv_filter_grad). */
const TAP_DRIVER_PARAMS = `(param $x i32) (param $dy i32) (param $acc i32) (param $table i32) (param $taps i32) (param $batch i32)
    (param $xImg i32) (param $dImg i32) (param $xrs i32) (param $xcs i32) (param $drs i32) (param $dcs i32)`;

/**
 * The image and tap loops both weight-gradient drivers share: for each image, for each row of the tap table, load
 * the tap's window into $xo, $do (x and dy at its first pixel), $rows, $cols and $ao (its accumulators), and run
 * `perTap` when the window is not empty. Images outermost keep one image's x and dy cache-resident while every tap
 * and tile sweeps them.
 */
function forEachImageAndTap(perTap: string): string {
  return `(local $b i32) (local $t i32) (local $e i32) (local $xo i32) (local $do i32) (local $rows i32) (local $cols i32) (local $ao i32)
    (block $done
      (br_if $done (i32.eqz (local.get $batch)))
      (loop $image
        (local.set $t (i32.const 0))
        (loop $tap
          (local.set $e (i32.add (local.get $table) (i32.mul (local.get $t) (i32.const 20))))
          (local.set $xo (i32.add (local.get $x) (i32.load (local.get $e))))
          (local.set $do (i32.add (local.get $dy) (i32.load offset=4 (local.get $e))))
          (local.set $rows (i32.load offset=8 (local.get $e)))
          (local.set $cols (i32.load offset=12 (local.get $e)))
          (local.set $ao (i32.add (local.get $acc) (i32.load offset=16 (local.get $e))))
          (if (i32.and (i32.gt_s (local.get $rows) (i32.const 0)) (i32.gt_s (local.get $cols) (i32.const 0)))
            (then ${perTap}))
          (br_if $tap (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $taps))))
        (local.set $x (i32.add (local.get $x) (local.get $xImg)))
        (local.set $dy (i32.add (local.get $dy) (local.get $dImg)))
        (br_if $image (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $batch)))))`;
}

/**
 * `conv_filter_grad`: the weight gradient of an NHWC convolution, accumulated into `acc` ([taps·CI, CO4] floats,
 * CO4 = CO rounded up to 4, zeroed by the caller). For each image, filter tap and (ci, co) tile it calls a
 * micro-kernel over the tap's valid output window, read from a table of 5 i32 per tap: x byte offset within an
 * image, dy byte offset, rows, cols, acc byte offset. Strides: $xImg/$dImg per image, $xrs/$drs per output row,
 * $xcs/$dcs per output column, all in bytes.
 */
const DRIVER = `
  (func (export "conv_filter_grad")
    ${TAP_DRIVER_PARAMS}
    (param $ci i32) (param $co4 i32) (param $mrMax i32) (param $nrMax i32)
    (local $c0 i32) (local $mr i32) (local $v0 i32) (local $nr i32) (local $nv i32) (local $ars i32)
    ${forEachImageAndTap(`
              (local.set $nv (i32.shr_u (local.get $co4) (i32.const 2)))
              (local.set $ars (i32.shl (local.get $co4) (i32.const 2)))
              (local.set $c0 (i32.const 0))
              (loop $ciTile
                (local.set $mr (i32.sub (local.get $ci) (local.get $c0)))
                (if (i32.gt_u (local.get $mr) (local.get $mrMax)) (then (local.set $mr (local.get $mrMax))))
                (local.set $v0 (i32.const 0))
                (loop $coTile
                  (local.set $nr (i32.sub (local.get $nv) (local.get $v0)))
                  (if (i32.gt_u (local.get $nr) (local.get $nrMax)) (then (local.set $nr (local.get $nrMax))))
                  (call_indirect $microTable (type $micro)
                    (i32.add (local.get $xo) (i32.shl (local.get $c0) (i32.const 2)))
                    (i32.add (local.get $do) (i32.shl (local.get $v0) (i32.const 4)))
                    (i32.add (local.get $ao) (i32.add (i32.mul (local.get $c0) (local.get $ars)) (i32.shl (local.get $v0) (i32.const 4))))
                    (local.get $rows) (local.get $cols)
                    (local.get $xrs) (local.get $xcs) (local.get $drs) (local.get $dcs) (local.get $ars)
                    (i32.add (i32.shl (i32.sub (local.get $mr) (i32.const 1)) (i32.const 2)) (i32.sub (local.get $nr) (i32.const 1))))
                  (br_if $coTile (i32.lt_u (local.tee $v0 (i32.add (local.get $v0) (local.get $nr))) (local.get $nv))))
                (br_if $ciTile (i32.lt_u (local.tee $c0 (i32.add (local.get $c0) (local.get $mr))) (local.get $ci))))`)})`;

/**
 * `max_pool_grad_2x2`: the gradient of a 2x2 max pool at stride 2 without padding, C a multiple of 4. Every input
 * element gets dy at its window's first maximum in row-major order (v00, v01, v10, v11), 0 elsewhere, as the cpu
 * backend does: k3 = v11 > max(v00, v01, v10); k2 = v10 > max(v00, v01) and not k3; k1 = v01 > v00 and neither;
 * k0 = none of them. Each element is written once, so dx needs no zeroing (rows or columns a pool with a
 * remainder leaves out are the caller's).
 */
const MAX_POOL_GRAD = `
  (func (export "max_pool_grad_2x2")
    (param $x i32) (param $dy i32) (param $dx i32) (param $batch i32) (param $oh i32) (param $ow i32)
    (param $rowBytes i32) (param $imgBytes i32) (param $cBytes i32)
    (local $b i32) (local $r i32) (local $q i32) (local $c i32) (local $i i32) (local $g i32)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $m v128) (local $dv v128)
    (local $k1 v128) (local $k2 v128) (local $k3 v128) (local $any v128)
    (loop $image
      (local.set $r (i32.const 0))
      (loop $row
        ;; $i: byte offset of the window's top-left element in this image
        (local.set $i (i32.add (i32.mul (local.get $b) (local.get $imgBytes)) (i32.mul (local.get $r) (i32.shl (local.get $rowBytes) (i32.const 1)))))
        (local.set $q (i32.const 0))
        (loop $window
          (local.set $c (i32.const 0))
          (loop $chan
            (local.set $v00 (v128.load (i32.add (local.get $x) (local.get $i))))
            (local.set $v01 (v128.load (i32.add (local.get $x) (i32.add (local.get $i) (local.get $cBytes)))))
            (local.set $v10 (v128.load (i32.add (local.get $x) (i32.add (local.get $i) (local.get $rowBytes)))))
            (local.set $v11 (v128.load (i32.add (local.get $x) (i32.add (i32.add (local.get $i) (local.get $rowBytes)) (local.get $cBytes)))))
            (local.set $dv (v128.load (i32.add (local.get $dy) (local.get $g))))
            (local.set $m (f32x4.pmax (local.get $v00) (local.get $v01)))
            (local.set $k2 (f32x4.gt (local.get $v10) (local.get $m)))
            (local.set $k3 (f32x4.gt (local.get $v11) (f32x4.pmax (local.get $m) (local.get $v10))))
            (local.set $k2 (v128.andnot (local.get $k2) (local.get $k3)))
            (local.set $any (v128.or (local.get $k2) (local.get $k3)))
            (local.set $k1 (v128.andnot (f32x4.gt (local.get $v01) (local.get $v00)) (local.get $any)))
            (local.set $any (v128.or (local.get $any) (local.get $k1)))
            (v128.store (i32.add (local.get $dx) (local.get $i)) (v128.andnot (local.get $dv) (local.get $any)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $i) (local.get $cBytes))) (v128.and (local.get $dv) (local.get $k1)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $i) (local.get $rowBytes))) (v128.and (local.get $dv) (local.get $k2)))
            (v128.store (i32.add (local.get $dx) (i32.add (i32.add (local.get $i) (local.get $rowBytes)) (local.get $cBytes))) (v128.and (local.get $dv) (local.get $k3)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br_if $chan (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $cBytes))))
          ;; past this window's channels; skip the right neighbour's (already written)
          (local.set $i (i32.add (local.get $i) (local.get $cBytes)))
          (br_if $window (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $ow))))
        (br_if $row (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $oh))))
      (br_if $image (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $batch)))))`;

/**
 * `column_sums`: out[c] = Σ_r x[r, c] for a row-major [rows, cols] matrix, cols a multiple of 4. Sixteen columns
 * at a time in registers; every 256 rows the block's partial sums are added to out, so a sum over 50,000 rows
 * rounds like a two-level sum rather than a 50,000-term running one. `out` must be zeroed by the caller.
 */
const COLUMN_SUMS = `
  (func (export "column_sums") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $c i32) (local $w i32) (local $r i32) (local $n i32) (local $p i32) (local $rowBytes i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $rows)))
      (loop $colBlock
        ;; $w: columns in this block (16, or the 4/8/12 left at the end)
        (local.set $w (i32.sub (local.get $cols) (local.get $c)))
        (if (i32.gt_u (local.get $w) (i32.const 16)) (then (local.set $w (i32.const 16))))
        (local.set $r (i32.const 0))
        (loop $rowBlock
          (local.set $n (i32.sub (local.get $rows) (local.get $r)))
          (if (i32.gt_u (local.get $n) (i32.const 256)) (then (local.set $n (i32.const 256))))
          (local.set $r (i32.add (local.get $r) (local.get $n)))
          (local.set $p (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.sub (local.get $r) (local.get $n)) (local.get $cols)) (local.get $c)) (i32.const 2))))
          (local.set $s0 (v128.const i32x4 0 0 0 0))
          (local.set $s1 (v128.const i32x4 0 0 0 0))
          (local.set $s2 (v128.const i32x4 0 0 0 0))
          (local.set $s3 (v128.const i32x4 0 0 0 0))
          (if (i32.eq (local.get $w) (i32.const 16))
            (then
              (loop $sum16
                (local.set $s0 (f32x4.add (local.get $s0) (v128.load (local.get $p))))
                (local.set $s1 (f32x4.add (local.get $s1) (v128.load offset=16 (local.get $p))))
                (local.set $s2 (f32x4.add (local.get $s2) (v128.load offset=32 (local.get $p))))
                (local.set $s3 (f32x4.add (local.get $s3) (v128.load offset=48 (local.get $p))))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (br_if $sum16 (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
            (else
              (loop $sumTail
                (local.set $s0 (f32x4.add (local.get $s0) (v128.load (local.get $p))))
                (if (i32.gt_u (local.get $w) (i32.const 4)) (then (local.set $s1 (f32x4.add (local.get $s1) (v128.load offset=16 (local.get $p))))))
                (if (i32.gt_u (local.get $w) (i32.const 8)) (then (local.set $s2 (f32x4.add (local.get $s2) (v128.load offset=32 (local.get $p))))))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (br_if $sumTail (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
          (local.set $p (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
          (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $s0)))
          (if (i32.gt_u (local.get $w) (i32.const 4)) (then (v128.store offset=16 (local.get $p) (f32x4.add (v128.load offset=16 (local.get $p)) (local.get $s1)))))
          (if (i32.gt_u (local.get $w) (i32.const 8)) (then (v128.store offset=32 (local.get $p) (f32x4.add (v128.load offset=32 (local.get $p)) (local.get $s2)))))
          (if (i32.gt_u (local.get $w) (i32.const 12)) (then (v128.store offset=48 (local.get $p) (f32x4.add (v128.load offset=48 (local.get $p)) (local.get $s3)))))
          (br_if $rowBlock (i32.lt_u (local.get $r) (local.get $rows))))
        (br_if $colBlock (i32.lt_u (local.tee $c (i32.add (local.get $c) (local.get $w))) (local.get $cols))))))`;

/**
 * One depthwise micro-kernel over `nv` vectors of channels (multiplier 1), walking a tap's valid window with $r_j
 * in registers: for the weight gradient ($dwk_n) the tap's accumulators, r[c] += x[c] · dy[c] at every pixel, stored
 * back at the end; for the input gradient ($dwi_n) the tap's filter vectors, dx[c] += dy[c] · w[c] at every pixel
 * (dx on the x side).
 */
function depthwiseMicro(kind: 'filter' | 'input', nv: number): string {
  const J = range(nv);
  const at = (ptr: string, j: number) => `(v128.load offset=${j * 16} (local.get ${ptr}))`;
  const perPixel = J.map((j) =>
    kind === 'filter'
      ? `(local.set $r${j} (f32x4.add (local.get $r${j}) (f32x4.mul ${at('$xq', j)} ${at('$dq', j)})))`
      : `(v128.store offset=${j * 16} (local.get $xq) (f32x4.add ${at('$xq', j)} (f32x4.mul ${at('$dq', j)} (local.get $r${j}))))`,
  );
  const storeBack = kind === 'filter' ? J.map((j) => `(v128.store offset=${j * 16} (local.get $ap) (local.get $r${j}))`) : [];
  return `
  (func ${kind === 'filter' ? '$dwk' : '$dwi'}_${nv} (type $dwMicro)
    (param $xp i32) (param $dp i32) (param $ap i32) (param $rows i32) (param $cols i32)
    (param $xrs i32) (param $xcs i32) (param $drs i32) (param $dcs i32)
    ${J.map((j) => `(local $r${j} v128)`).join(' ')} (local $xq i32) (local $dq i32) (local $c i32)
    ${J.map((j) => `(local.set $r${j} ${at('$ap', j)})`).join('\n    ')}
    ${walkWindow(perPixel.join('\n        '))}
    ${storeBack.join('\n    ')})`;
}

/**
 * A depthwise driver: for each image and tap, channels 16 at a time (4 vectors, the last block narrower) through the
 * micro-kernels in `table` ($dwk_n or $dwi_n). `depthwise_filter_grad` accumulates the weight gradient of a
 * depthwise convolution with channel multiplier 1 into `acc` ([taps, C], zeroed by the caller), like
 * conv_filter_grad. `depthwise_input_grad` accumulates its input gradient into the tap table's x side (dx, zeroed by
 * the caller) from dy and the filter ($acc: [taps, C]): each tap scatters dy ⊗ w over its valid window, so a
 * stride-2 layer does a quarter of the work of the zero-stuffed convolution it replaces. C a multiple of 4.
 */
function depthwiseDriver(exportName: string, table: string): string {
  return `
  (func (export "${exportName}")
    ${TAP_DRIVER_PARAMS} (param $c i32)
    (local $v0 i32) (local $nv i32) (local $n i32)
    ${forEachImageAndTap(`
              (local.set $nv (i32.shr_u (local.get $c) (i32.const 2)))
              (local.set $v0 (i32.const 0))
              (loop $block
                (local.set $n (i32.sub (local.get $nv) (local.get $v0)))
                (if (i32.gt_u (local.get $n) (i32.const 4)) (then (local.set $n (i32.const 4))))
                (call_indirect ${table} (type $dwMicro)
                  (i32.add (local.get $xo) (i32.shl (local.get $v0) (i32.const 4)))
                  (i32.add (local.get $do) (i32.shl (local.get $v0) (i32.const 4)))
                  (i32.add (local.get $ao) (i32.shl (local.get $v0) (i32.const 4)))
                  (local.get $rows) (local.get $cols) (local.get $xrs) (local.get $xcs) (local.get $drs) (local.get $dcs)
                  (i32.sub (local.get $n) (i32.const 1)))
                (br_if $block (i32.lt_u (local.tee $v0 (i32.add (local.get $v0) (local.get $n))) (local.get $nv))))`)})`;
}

/**
 * `batch_norm_grad_sums`: per channel of a row-major [rows, C] activation (C a multiple of 4), s1[c] += Σ_r dy and
 * s2[c] += Σ_r dy·(x − mean[c]) (the two sums every BatchNorm gradient needs), 16 channels (one 64-byte cache line)
 * at a time so that each line of x and dy is fetched once, then 4 at a time,
 * in 256-row blocks added to s1 and s2 (zeroed by the caller) so that rounding stays that of a two-level sum.
 */
function batchNormSums(): string {
  const loop = (nv: number): string => {
    const J = range(nv);
    return `
            ${J.map((j) => `(local.set $m${j} (v128.load offset=${j * 16} (i32.add (local.get $mean) (i32.shl (local.get $c) (i32.const 2)))))`).join('\n            ')}
            (local.set $r (i32.const 0))
            (loop $rowBlock
              (local.set $n (i32.sub (local.get $rows) (local.get $r)))
              (if (i32.gt_u (local.get $n) (i32.const 256)) (then (local.set $n (i32.const 256))))
              (local.set $o (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))
              (local.set $r (i32.add (local.get $r) (local.get $n)))
              ${J.map((j) => `(local.set $u${j} (v128.const i32x4 0 0 0 0)) (local.set $t${j} (v128.const i32x4 0 0 0 0))`).join('\n              ')}
              (loop $rowLoop
                ${J.map(
                  (j) =>
                    `(local.set $g (v128.load offset=${j * 16} (i32.add (local.get $dy) (local.get $o))))
                (local.set $u${j} (f32x4.add (local.get $u${j}) (local.get $g)))
                (local.set $t${j} (f32x4.add (local.get $t${j}) (f32x4.mul (local.get $g) (f32x4.sub (v128.load offset=${j * 16} (i32.add (local.get $x) (local.get $o))) (local.get $m${j})))))`,
                ).join('\n                ')}
                (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
                (br_if $rowLoop (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
              (local.set $p (i32.shl (local.get $c) (i32.const 2)))
              ${J.map(
                (j) => `(v128.store offset=${j * 16} (i32.add (local.get $s1) (local.get $p)) (f32x4.add (v128.load offset=${j * 16} (i32.add (local.get $s1) (local.get $p))) (local.get $u${j})))
              (v128.store offset=${j * 16} (i32.add (local.get $s2) (local.get $p)) (f32x4.add (v128.load offset=${j * 16} (i32.add (local.get $s2) (local.get $p))) (local.get $t${j})))`,
              ).join('\n              ')}
              (br_if $rowBlock (i32.lt_u (local.get $r) (local.get $rows))))
            (local.set $c (i32.add (local.get $c) (i32.const ${nv * 4})))`;
  };
  return `
  (func (export "batch_norm_grad_sums") (param $x i32) (param $dy i32) (param $mean i32) (param $s1 i32) (param $s2 i32) (param $rows i32) (param $cols i32)
    (local $c i32) (local $r i32) (local $n i32) (local $o i32) (local $p i32) (local $rowBytes i32) (local $g v128)
    ${range(4)
      .map((j) => `(local $m${j} v128) (local $u${j} v128) (local $t${j} v128)`)
      .join(' ')}
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $rows)))
      (block $wide
        (loop $lines
          (br_if $wide (i32.gt_u (i32.add (local.get $c) (i32.const 16)) (local.get $cols)))
          ${loop(4)}
          (br $lines)))
      (block $narrow
        (loop $quads
          (br_if $narrow (i32.ge_u (local.get $c) (local.get $cols)))
          ${loop(1)}
          (br $quads)))))`;
}

/**
 * A kernel over a row-major [rows, C] tensor, C a multiple of 4, that writes out[r, c] = `value` for every row and
 * channel vector: `value` reads $x + $c and per-channel vectors at (their pointer) + $c.
 */
function perChannelRows(exportName: string, params: string, value: string): string {
  return `
  (func (export "${exportName}") (param $x i32) ${params} (param $out i32) (param $rows i32) (param $cols i32)
    (local $c i32) (local $end i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $done
      (br_if $done (i32.eqz (local.get $rows)))
      (loop $row
        (local.set $c (i32.const 0))
        (loop $col
          (v128.store (i32.add (local.get $out) (local.get $c)) ${value})
          (br_if $col (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $rowBytes))))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (br_if $row (i32.lt_u (local.tee $x (i32.add (local.get $x) (local.get $rowBytes))) (local.get $end))))))`;
}

const at = (ptr: string) => `(v128.load (i32.add (local.get ${ptr}) (local.get $c)))`;

/**
 * `scale_channels`: out[r, c] = x[r, c] · k[c] (a BatchNorm's dx = dy · scale · rsqrt(var + ε)).
 * `batch_norm_apply`: out[r, c] = (x[r, c] − mean[c]) · k[c] + offset[c], with k = scale / √(var + ε) worked out by
 * the caller (the BatchNorm forward, training and inference).
 * `add_channels`, `sub_channels`: out[r, c] = x[r, c] ± b[c] (a bias add; BatchNorm's x − mean in training mode).
 */
const CHANNEL_KERNELS = [
  perChannelRows('scale_channels', '(param $k i32)', `(f32x4.mul ${at('$x')} ${at('$k')})`),
  perChannelRows('add_channels', '(param $b i32)', `(f32x4.add ${at('$x')} ${at('$b')})`),
  perChannelRows('sub_channels', '(param $b i32)', `(f32x4.sub ${at('$x')} ${at('$b')})`),
  perChannelRows(
    'batch_norm_apply',
    '(param $mean i32) (param $k i32) (param $offset i32)',
    `(f32x4.add (f32x4.mul (f32x4.sub ${at('$x')} ${at('$mean')}) ${at('$k')}) ${at('$offset')})`,
  ),
].join('\n');

/**
 * An elementwise gradient over n elements (a multiple of 4; the caller does the rest): out = `value`, where $v is
 * x's vector and `value` may read dy's at $dy + $i; `setup` runs once (splats of scalar parameters).
 */
function elementwiseGrad(exportName: string, params: string, locals: string, setup: string, value: string): string {
  return `
  (func (export "${exportName}") (param $x i32) (param $dy i32) (param $out i32) (param $n i32) ${params}
    (local $i i32) (local $end i32) (local $v v128) ${locals}
    ${setup}
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $each
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $out) (local.get $i)) ${value})
        (br_if $each (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $end))))))`;
}

const DY = '(v128.load (i32.add (local.get $dy) (local.get $i)))';

/**
 * `square_grad`: out = dy · (x · 2), the gradient of Square (BatchNorm's training-mode variance squares every
 * activation) in one pass instead of two, with the same rounding as tfjs's mul(dy, mul(x, 2)).
 * `clip_grad`: out = dy where lo ≤ x ≤ hi, else 0: the gradient of ClipByValue (ReLU6), and of Relu over (0, ∞).
 */
const ELEMENTWISE_GRADS = [
  elementwiseGrad('square_grad', '', '', '', `(f32x4.mul ${DY} (f32x4.add (local.get $v) (local.get $v)))`),
  elementwiseGrad(
    'clip_grad',
    '(param $lo f32) (param $hi f32)',
    '(local $l v128) (local $h v128)',
    '(local.set $l (f32x4.splat (local.get $lo))) (local.set $h (f32x4.splat (local.get $hi)))',
    `(v128.and ${DY} (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h))))`,
  ),
].join('\n');

/**
 * `adam_update`: one Adam step over n elements (a multiple of 4; the caller does the rest), written to new
 * buffers, in the order and float32 rounding of src/train/adam.ts's tensor ops so that both give the same bits:
 * m' = m·β1 + g·(1−β1); v' = v·β2 + (g·g)·(1−β2); x' = x − (m' / (√v' + ε))·stepSize.
 */
const ADAM_UPDATE = `
  (func (export "adam_update")
    (param $x i32) (param $g i32) (param $m i32) (param $v i32) (param $xo i32) (param $mo i32) (param $vo i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $eps f32) (param $step f32)
    (local $i i32) (local $end i32) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128) (local $E v128) (local $S v128)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $S (f32x4.splat (local.get $step)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $each
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $mv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1)) (f32x4.mul (local.get $gv) (local.get $C1))))
        (local.set $vv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2)) (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $C2))))
        (v128.store (i32.add (local.get $mo) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $vo) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $xo) (local.get $i))
          (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i)))
            (f32x4.mul (f32x4.div (local.get $mv) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $E))) (local.get $S))))
        (br_if $each (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $end))))))`;

/** The whole module: imports the tfjs wasm backend's memory and exports the kernels above. */
export function kernelsWat(): string {
  const { funcs, elems } = microTable();
  return `(module
  (import "env" "memory" (memory 1))
  (type $micro (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $dwMicro (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (table $microTable ${elems.length} funcref)
  (elem (table $microTable) (i32.const 0) func ${elems.join(' ')})
  (table $dwTable 4 funcref)
  (elem (table $dwTable) (i32.const 0) func $dwk_1 $dwk_2 $dwk_3 $dwk_4)
  (table $dwiTable 4 funcref)
  (elem (table $dwiTable) (i32.const 0) func $dwi_1 $dwi_2 $dwi_3 $dwi_4)
  (func $never (type $micro) unreachable)
  ${funcs.join('\n')}
  ${range(4)
    .map((i) => depthwiseMicro('filter', i + 1))
    .join('\n')}
  ${depthwiseDriver('depthwise_filter_grad', '$dwTable')}
  ${range(4)
    .map((i) => depthwiseMicro('input', i + 1))
    .join('\n')}
  ${depthwiseDriver('depthwise_input_grad', '$dwiTable')}
  ${batchNormSums()}
  ${CHANNEL_KERNELS}
  ${ELEMENTWISE_GRADS}
  ${ADAM_UPDATE}
  ${DRIVER}
  ${MAX_POOL_GRAD}
  ${COLUMN_SUMS}
)`;
}
