// Little-endian byte encoders for hand-built DWARF in unit tests (.debug_info, .debug_abbrev,
// .debug_line, location expressions).
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

/** A NUL-terminated string. */
export const str = (s: string): number[] => [...Buffer.from(s + '\0')];
export const u16 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff];
export const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
export const u64 = (n: bigint): number[] => [...Array(8).keys()].map((i) => Number((n >> BigInt(8 * i)) & 0xffn));

/** An abbreviation: code, tag, whether entries have children, and its (attribute, form) pairs. */
export type Abbrev = [code: number, tag: number, children: boolean, specs: [attr: number, form: number][]];

/** A .debug_abbrev section holding the abbreviations. */
export function abbrevSection(abbrevs: readonly Abbrev[]): Buffer {
  const b: number[] = [];
  for (const [code, tag, children, specs] of abbrevs) {
    b.push(...uleb(code), ...uleb(tag), children ? 1 : 0);
    for (const [a, f] of specs) b.push(...uleb(a), ...uleb(f));
    b.push(0, 0);
  }
  b.push(0);
  return Buffer.from(b);
}
