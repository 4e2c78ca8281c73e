// The top API: a PC of a Go binary → its function, instruction, source line and the SSA value the
// compiler generated it from, with a byte-for-byte check that the rebuilt code is the binary's.
//
// Steps: buildinfo → exact toolchain → physical function containing the PC (pclntab; inlined
// frames are not functions) → rebuild of the main package with the recorded settings, `-S` and
// GOSSAFUNC for that function's package → listing instruction at the PC → genssa row (aligned by
// align.ts) → SSA value of the last pass. Return-address rule: a frame that made a call looks up
// pc−1 (the CALL before the return address); the faulting frame of a signal uses the pc itself.
//
// Per-function results are cached by build ID + function + a fingerprint of the source files
// (an edited source must not reuse a verified result): in memory and as JSON under $CACHE/ssa/.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { alignGenssa } from './align.js';
import type { SsaBinary, SsaFrame } from './binary.js';
import type { GenssaListing, GenssaRow, SsaBlock, SsaValue } from './genssa.js';
import { instructionAt, type ListingFunction, type ListingInstruction } from './listing.js';
import { droppedCgoFlags } from './buildFlags.js';
import { packageOfSymbol, planRebuild, rebuildFunction, type RebuildPlan } from './rebuild.js';
import { isWithin } from '../core/paths.js';
import { lookupPc as returnAddressLookup } from '../core/returnAddress.js';
import { defaultCacheDir, findToolchain, NotAReleaseVersionError, RELEASE_VERSION } from './toolchain.js';
import { verifyCode, verifyPositions, type VerifyResult } from './verify.js';
import { InspectorError } from '../core/errors.js';

export interface MapPcRequest {
  /** Runtime address, as the traceback or the core shows it. */
  pc: bigint;
  /** True for a frame that made a call (pc is a return address): the CALL before it is looked up. */
  isReturnAddress: boolean;
  /** Module root (directory with go.mod) or the main package's directory, holding the source. */
  sourceRoot: string;
  /**
   * Folders the rebuild may run in (trusted workspace folders, or a folder the user chose): the
   * module root, resolved, must lie inside one of them.
   */
  allowedRoots: readonly string[];
  /** What to do when the module is outside `allowedRoots`, in the words of the surface. */
  allowedRootsHint?: string;
  /**
   * Asked before anything is rebuilt, with what will run; nothing runs unless it resolves to true.
   * Absent: no rebuild (only cached results are used).
   */
  confirmRebuild?: (plan: RebuildPlan) => boolean | Promise<boolean>;
  /** Settings: exact Go version → GOROOT. */
  goroots?: Record<string, string>;
  /** Project cache dir (toolchains in development, `ssa/` result cache); default per GO_CORE_INSPECTOR_CACHE. */
  cacheDir?: string;
  /**
   * False in an untrusted workspace: never run the toolchain; only cached results are used (else
   * PcMappingError). Default true.
   */
  allowRebuild?: boolean;
  /** The rebuild's own Go build cache (default `<cacheDir>/gocache`; never the user's). */
  goCache?: string;
  /** Skip the on-disk cache (memory cache still used). */
  noDiskCache?: boolean;
  /** Rebuild even when a result is cached (memory or disk); the new result is cached. */
  rebuild?: boolean;
  /** Environment for `go` (GOPATH, GOMODCACHE, GOCACHE...); GOTOOLCHAIN=local is forced. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface PcInstruction {
  offset: number;
  text: string;
  file?: string;
  line?: number;
}

export interface PcMapping {
  /** Physical function holding the PC. */
  function: string;
  entry: bigint;
  /** pc − entry (of the PC given, before the return-address adjustment). */
  offset: number;
  /** Address looked up: pc−1 for a return address, else pc. */
  lookupPc: bigint;
  /** Innermost source position (pclntab). */
  file: string;
  line: number;
  /** Source frames at the lookup pc, innermost (inlined) first, the physical function last. */
  frames: SsaFrame[];
  goVersion: string;
  instruction?: PcInstruction;
  /** SSA value that produced the instruction, from the last SSA pass. */
  ssaValue?: {
    id: string;
    op: string;
    args: string[];
    line?: number;
    type: string;
    aux: string;
    reg?: string;
    text: string;
  };
  /** When the instruction came from a block's control (a branch), that block. */
  ssaBlock?: SsaBlock;
  /** Other SSA values on the same source line. */
  neighbours: SsaValue[];
  /** The function's whole genssa listing (for "Show SSA for this frame"). */
  genssaRows: GenssaRow[];
  /** Index in genssaRows of the row that produced the instruction, when aligned. */
  genssaRow?: number;
  verified: boolean;
  reason: string;
  /** Arguments of the rebuild, for the report. */
  rebuild: {
    args: string[];
    env: Record<string, string>;
    ignoredSettings: string[];
    durationMs: number;
    cached: boolean;
  };
}

/** Could not map: what failed and what to do (wraps toolchain/rebuild/reader errors). */
export class PcMappingError extends InspectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PcMappingError';
  }
}

/** Everything kept per function: enough to map any PC in it without rebuilding. */
interface FunctionResult {
  listing: ListingFunction;
  ssa: GenssaListing;
  verify: VerifyResult;
  args: string[];
  env: Record<string, string>;
  ignoredSettings: string[];
  durationMs: number;
}

const CACHE_FORMAT = 1;
const memoryCache = new Map<string, FunctionResult>();
const MAX_MEMORY_ENTRIES = 64;

/** Forget the in-memory cache (tests). */
export function clearSsaMemoryCache(): void {
  memoryCache.clear();
}

/** The user did not allow the rebuild (or no one could be asked): nothing ran. */
export class RebuildNotAllowedError extends PcMappingError {
  constructor(message: string) {
    super(message);
    this.name = 'RebuildNotAllowedError';
  }
}

/** Module root (nearest go.mod at or above dir) and its module path. */
export function findModuleRoot(dir: string): { root: string; modulePath: string } | undefined {
  let d = resolvePath(dir);
  for (let i = 0; i < 64; i++) {
    const gomod = join(d, 'go.mod');
    if (existsSync(gomod)) {
      const m = /^\s*module\s+("?)([^\s"]+)\1/m.exec(readFileSync(gomod, 'utf8').slice(0, 1 << 20));
      return m ? { root: d, modulePath: m[2]! } : undefined;
    }
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}

/**
 * Directory of the main package inside the source tree, checked against buildinfo. The recorded
 * package path is data of the binary's builder: a path with `..`, `.`, empty or absolute elements
 * is refused, and the directory, resolved, must stay inside the module root, which must lie
 * inside one of `allowedRoots` (resolved too).
 */
export function mainPackageDir(
  sourceRoot: string,
  mainPath: string,
  modulePath: string | undefined,
  allowedRoots: readonly string[],
  allowedRootsHint = 'open it as a trusted workspace folder to rebuild from it',
): string {
  if (mainPath === 'command-line-arguments') {
    throw new PcMappingError(
      'the binary was built from a list of .go files (command-line-arguments); only package builds can be rebuilt',
    );
  }
  const elements = mainPath.split('/');
  if (mainPath.startsWith('/') || elements.some((e) => e === '' || e === '.' || e === '..' || /[\\\0]/.test(e))) {
    throw new PcMappingError(
      `the binary's recorded package path ${JSON.stringify(mainPath.slice(0, 200))} has "..", "." or empty elements: no rebuild`,
    );
  }
  const mod = findModuleRoot(sourceRoot);
  if (!mod) throw new PcMappingError(`no go.mod at or above ${sourceRoot}: open the module the binary was built from`);
  if (modulePath && mod.modulePath !== modulePath) {
    throw new PcMappingError(
      `the source at ${mod.root} is module ${mod.modulePath}, but the binary's main module is ${modulePath}`,
    );
  }
  if (mainPath !== mod.modulePath && !mainPath.startsWith(`${mod.modulePath}/`)) {
    throw new PcMappingError(`the binary's main package ${mainPath} is not in module ${mod.modulePath} (${mod.root})`);
  }
  const root = realpathSync(mod.root);
  const allowed = allowedRoots.map((r) => (existsSync(r) ? realpathSync(r) : resolvePath(r)));
  if (!allowed.some((a) => isWithin(a, root))) {
    throw new PcMappingError(
      `the module ${mod.modulePath} at ${root} is outside the folders a rebuild may run in ` +
        `(${allowed.length ? allowed.join(', ') : 'none'}): ${allowedRootsHint}`,
    );
  }
  const dir = join(root, mainPath.slice(mod.modulePath.length));
  if (!existsSync(dir)) throw new PcMappingError(`the main package directory ${dir} does not exist`);
  const real = realpathSync(dir);
  if (!isWithin(root, real)) {
    throw new PcMappingError(`the main package directory ${dir} resolves to ${real}, outside the module ${root}: no rebuild`);
  }
  return real;
}

/** Names, sizes and mtimes of the Go-build-relevant files of a directory (non-recursive). */
function fingerprintDir(dir: string, h: ReturnType<typeof createHash>): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(go|s|c|h|mod|sum|pgo|syso)$/.test(f)) continue;
    const st = statSync(join(dir, f));
    if (st.isFile()) h.update(`${f}\0${st.size}\0${st.mtimeMs}\0`);
  }
}

function cacheKey(bin: SsaBinary, fn: string, pkgDir: string, funcFile: string | undefined): string {
  const h = createHash('sha256');
  h.update(`${CACHE_FORMAT}\0${bin.buildId ?? bin.path}\0${bin.goVersion}\0${fn}\0${pkgDir}\0`);
  fingerprintDir(pkgDir, h);
  const modRoot = findModuleRoot(pkgDir)?.root;
  if (modRoot) fingerprintDir(modRoot, h);
  if (funcFile && existsSync(dirname(funcFile))) fingerprintDir(dirname(funcFile), h);
  return h.digest('hex').slice(0, 40);
}

function toJson(r: FunctionResult): string {
  return JSON.stringify({
    format: CACHE_FORMAT,
    listing: { ...r.listing, code: r.listing.code.toString('hex') },
    ssa: { ...r.ssa, values: [...r.ssa.values.values()], blocks: [...r.ssa.blocks.values()] },
    verify: r.verify,
    args: r.args,
    env: r.env,
    ignoredSettings: r.ignoredSettings,
    durationMs: r.durationMs,
  });
}

function fromJson(text: string): FunctionResult | undefined {
  try {
    const j = JSON.parse(text) as {
      format: number;
      listing: Omit<ListingFunction, 'code'> & { code: string };
      ssa: Omit<GenssaListing, 'values' | 'blocks'> & { values: SsaValue[]; blocks: SsaBlock[] };
      verify: VerifyResult;
      args: string[];
      env: Record<string, string>;
      ignoredSettings: string[];
      durationMs: number;
    };
    if (j.format !== CACHE_FORMAT) return undefined;
    return {
      listing: { ...j.listing, code: Buffer.from(j.listing.code, 'hex') },
      ssa: {
        ...j.ssa,
        values: new Map(j.ssa.values.map((v) => [v.id, v])),
        blocks: new Map(j.ssa.blocks.map((b) => [b.id, b])),
      },
      verify: j.verify,
      args: j.args,
      env: j.env,
      ignoredSettings: j.ignoredSettings,
      durationMs: j.durationMs,
    };
  } catch {
    return undefined;
  }
}

/**
 * Map a PC of a binary the engine opened (src/analysis/binary.ts `ssa()`) to its instruction and
 * SSA value. Throws PcMappingError (or the toolchain's, rebuild's or reader's error).
 */
export async function mapPc(bin: SsaBinary, req: MapPcRequest): Promise<PcMapping> {
  const lookupPc = returnAddressLookup(req.pc, req.isReturnAddress);
  const fn = bin.functionAt(lookupPc);
  if (!fn) throw new PcMappingError(`0x${req.pc.toString(16)} is in no Go function of ${bin.path}`);
  const frames = bin.framesAt(lookupPc);
  const inner = frames[0] ?? { function: fn.name, file: '?', line: 0, inlined: false };
  const physical = frames[frames.length - 1];
  const cacheDir = req.cacheDir ?? defaultCacheDir(req.env ?? process.env);
  if (!RELEASE_VERSION.test(bin.goVersion)) throw new NotAReleaseVersionError(bin.goVersion);
  const pkgDir = mainPackageDir(
    req.sourceRoot,
    bin.mainPath,
    bin.modulePath,
    req.allowedRoots,
    ...(req.allowedRootsHint !== undefined ? [req.allowedRootsHint] : []),
  );
  const key = cacheKey(bin, fn.name, pkgDir, physical?.file);
  const diskPath = join(cacheDir, 'ssa', `${key}.json`);

  let result = req.rebuild ? undefined : memoryCache.get(key);
  let cached = result !== undefined;
  if (!result && !req.noDiskCache && !req.rebuild && existsSync(diskPath)) {
    result = fromJson(readFileSync(diskPath, 'utf8'));
    cached = result !== undefined;
  }
  if (!result && req.allowRebuild === false) {
    throw new PcMappingError(
      `no cached SSA for ${fn.name}, and rebuilding is not allowed here (untrusted workspace): trust the workspace to rebuild it`,
    );
  }
  if (!result) {
    req.onProgress?.(`looking for Go toolchain ${bin.goVersion}`);
    const toolchain = await findToolchain(bin.goVersion, {
      ...(req.goroots ? { goroots: req.goroots } : {}),
      ...(req.env ? { env: req.env } : {}),
      cacheDir,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const fnPkg = packageOfSymbol(fn.name);
    const plan = planRebuild({
      toolchain,
      packageDir: pkgDir,
      mainImportPath: bin.mainPath,
      functionName: fn.name,
      functionPackage: fnPkg === 'main' ? bin.mainPath : fnPkg,
      settings: bin.settings,
      goCache: req.goCache ?? join(cacheDir, 'gocache'),
    });
    if (!req.confirmRebuild || !(await req.confirmRebuild(plan))) {
      throw new RebuildNotAllowedError(
        `rebuilding ${fn.name} with ${toolchain.version} was not allowed for ${bin.path}: nothing was run`,
      );
    }
    const rb = await rebuildFunction(plan, {
      ...(req.env ? { env: req.env } : {}),
      ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
    req.onProgress?.('comparing the rebuilt code with the binary');
    const len = Number(fn.end - fn.entry);
    let verify: VerifyResult =
      len > 0 && len <= 64 * 1024 * 1024
        ? verifyCode(rb.listing, bin.read(fn.entry, len), fn.entry, bin.resolve)
        : { verified: false, reason: `function size ${len} is out of range`, comparedBytes: 0, checkedCalls: 0 };
    if (verify.verified) {
      const pos = verifyPositions(rb.listing, fn.entry, (a) => bin.framesAt(a)[0]);
      verify = pos.verified ? { ...verify, reason: `${verify.reason}, ${pos.reason}` } : pos;
    }
    const cgo = droppedCgoFlags(bin.settings);
    if (!verify.verified && cgo.length > 0) {
      verify = { ...verify, reason: `not verified: cgo flags differ (the binary's ${cgo.join(', ')} are not used); ${verify.reason}` };
    }
    result = {
      listing: rb.listing,
      ssa: rb.ssa,
      verify,
      args: rb.args,
      env: rb.envOverrides,
      ignoredSettings: rb.ignoredSettings,
      durationMs: rb.durationMs,
    };
    if (!req.noDiskCache) {
      try {
        mkdirSync(dirname(diskPath), { recursive: true });
        const tmp = `${diskPath}.${process.pid}.tmp`;
        writeFileSync(tmp, toJson(result));
        renameSync(tmp, diskPath);
      } catch {
        // the cache is an optimisation: a read-only cache dir must not fail the mapping
      }
    }
  }
  if (memoryCache.size >= MAX_MEMORY_ENTRIES) memoryCache.delete(memoryCache.keys().next().value!);
  memoryCache.set(key, result);

  const out: PcMapping = {
    function: fn.name,
    entry: fn.entry,
    offset: Number(req.pc - fn.entry),
    lookupPc,
    file: inner.file,
    line: inner.line,
    frames,
    goVersion: bin.goVersion,
    neighbours: [],
    genssaRows: result.ssa.rows,
    verified: result.verify.verified,
    reason: result.verify.reason,
    rebuild: {
      args: result.args,
      env: result.env,
      ignoredSettings: result.ignoredSettings,
      durationMs: result.durationMs,
      cached,
    },
  };
  describeInstruction(out, result, Number(lookupPc - fn.entry));
  return out;
}

/** Fill instruction, SSA value/block and neighbours for a byte offset of the function. */
function describeInstruction(out: PcMapping, r: FunctionResult, offset: number): void {
  const ins: ListingInstruction | undefined = instructionAt(r.listing, offset);
  if (!ins) return;
  out.instruction = {
    offset: ins.offset,
    text: ins.text,
    ...(ins.file ? { file: ins.file } : {}),
    ...(ins.line !== undefined ? { line: ins.line } : {}),
  };
  const al = alignGenssa(r.ssa.rows, r.listing.instructions);
  const idx = r.listing.instructions.indexOf(ins);
  const rowIdx = al.rowOfInstruction[idx] ?? -1;
  const row: GenssaRow | undefined = rowIdx >= 0 ? r.ssa.rows[rowIdx] : undefined;
  if (row) out.genssaRow = rowIdx;
  if (!row?.value) {
    if (!row) out.reason += '; the instruction was added by the assembler (no SSA value)';
    return;
  }
  if (row.value.startsWith('b')) {
    const b = r.ssa.blocks.get(row.value);
    if (b) out.ssaBlock = b;
  } else {
    const v = r.ssa.values.get(row.value);
    if (v) {
      out.ssaValue = {
        id: v.id,
        op: v.op,
        args: v.args,
        type: v.type,
        aux: v.aux,
        text: v.text,
        ...(v.line !== undefined ? { line: v.line } : {}),
        ...(v.reg !== undefined ? { reg: v.reg } : {}),
      };
    } else {
      out.ssaValue = {
        id: row.value,
        op: row.op,
        args: [],
        type: '',
        aux: '',
        text: row.text,
        ...(row.line !== undefined ? { line: row.line } : {}),
      };
    }
  }
  const line = row.line ?? ins.line;
  if (line !== undefined) {
    out.neighbours = [...r.ssa.values.values()].filter((v) => v.line === line && v.id !== row.value);
  }
}
