// Which binary each traceback document is associated with (code lens "Associate binary…", or the
// binary of an open core session, sent by the client as `goTraceback/associateBinary`).
import type { Analysis } from './analysis.js';
import { type BinarySymbols, BinarySymbolsError, deriveBias, openBinarySymbols } from './binarySymbols.js';
import type { AssociateBinaryResult } from './protocol.js';

export interface Association {
  binaryPath: string;
  symbols: BinarySymbols;
  /** Load bias derived from the document (0 when it could not be derived); per document version. */
  bias: bigint;
  biasDerived: boolean;
  biasVersion: number;
  /** The bias came with the binary (an open core's): never derived from the log. */
  fixedBias?: boolean;
}

export type BinaryOpener = (path: string) => BinarySymbols;

/** At most this many binaries stay open; the least recently associated is closed first. */
const MAX_OPEN = 16;

export class BinaryAssociations {
  private readonly byUri = new Map<string, Association>();

  constructor(private readonly open: BinaryOpener = openBinarySymbols) {}

  associate(uri: string, binaryPath: string, analysis: Analysis | undefined, loadBias?: bigint): AssociateBinaryResult {
    this.remove(uri);
    if (binaryPath === '') return { ok: true, message: 'binary association removed' };
    let symbols: BinarySymbols;
    try {
      symbols = this.open(binaryPath);
    } catch (e) {
      if (e instanceof BinarySymbolsError) return { ok: false, message: e.message };
      return { ok: false, message: `${binaryPath}: ${(e as Error).message}` };
    }
    const a: Association = { binaryPath, symbols, bias: loadBias ?? 0n, biasDerived: false, biasVersion: -1 };
    if (loadBias !== undefined) a.fixedBias = true;
    this.byUri.set(uri, a);
    while (this.byUri.size > MAX_OPEN) this.remove(this.byUri.keys().next().value as string);
    if (analysis && !a.fixedBias) this.refreshBias(a, analysis);
    return {
      ok: true,
      message: `${binaryPath} associated${a.bias !== 0n ? ` (load bias 0x${a.bias.toString(16)})` : ''}`,
      ...(a.biasDerived ? { bias: `0x${a.bias.toString(16)}` } : {}),
    };
  }

  /** The association of a document, with its bias brought up to date for this analysis. */
  get(uri: string, analysis: Analysis): Association | undefined {
    const a = this.byUri.get(uri);
    if (a && !a.fixedBias && a.biasVersion !== analysis.version) this.refreshBias(a, analysis);
    return a;
  }

  binaryPath(uri: string): string | undefined {
    return this.byUri.get(uri)?.binaryPath;
  }

  private refreshBias(a: Association, analysis: Analysis): void {
    const b = deriveBias(a.symbols, analysis.allFrames());
    a.bias = b ?? 0n;
    a.biasDerived = b !== undefined;
    a.biasVersion = analysis.version;
  }

  remove(uri: string): void {
    const a = this.byUri.get(uri);
    if (!a) return;
    this.byUri.delete(uri);
    a.symbols.close();
  }

  dispose(): void {
    for (const uri of [...this.byUri.keys()]) this.remove(uri);
  }
}
