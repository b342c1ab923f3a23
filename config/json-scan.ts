/**
 * What JSON.parse does not tell about a file: a key given twice in one object (JSON.parse keeps
 * the last one, silently) and nesting deeper than a config can be (validating such a value
 * recurses once per level and runs out of stack). One pass, without recursion, over text that
 * JSON.parse has accepted; a few microseconds for a config.
 */

export type JsonPath = readonly (string | number)[];

export interface DuplicateKey {
  /** Where the key is: its object's path and the key. */
  readonly path: JsonPath;
  /** Each value the file gives it, as JSON text, in file order. */
  readonly values: readonly string[];
}

export interface JsonScan {
  /** In the order of each key's second occurrence in the file. */
  readonly duplicates: readonly DuplicateKey[];
  /** The path of the first object or array nested deeper than `maxDepth`; then `duplicates` is incomplete. */
  readonly tooDeep?: JsonPath;
}

interface Member {
  readonly start: number;
  end: number;
}

interface Frame {
  readonly path: JsonPath;
  readonly isObject: boolean;
  /** Arrays: the index of the next element. */
  index: number;
  /** Objects: the key whose value is being read, or undefined while a key is expected. */
  key?: string;
  /** Objects: where each key's values are, in file order. */
  readonly members: Map<string, Member[]>;
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB || c === COMMA || c === COLON || c === BOM;
}

function endsLiteral(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB || c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT;
}

/** Scans `text`, which must be valid JSON, for duplicate keys and nesting deeper than `maxDepth`. */
export function scanJson(text: string, maxDepth: number): JsonScan {
  const duplicates: (DuplicateKey & { readonly at: number })[] = [];
  const stack: Frame[] = [];
  const top = (): Frame | undefined => stack[stack.length - 1];

  const valuePath = (): JsonPath => {
    const frame = top();
    if (!frame) return [];
    return [...frame.path, frame.isObject ? (frame.key as string) : frame.index];
  };
  const startValue = (start: number): void => {
    const frame = top();
    if (!frame?.isObject) return;
    const key = frame.key as string;
    const members = frame.members.get(key);
    if (members) members.push({ start, end: start });
    else frame.members.set(key, [{ start, end: start }]);
  };
  const endValue = (end: number): void => {
    const frame = top();
    if (!frame) return;
    if (frame.isObject) {
      const members = frame.members.get(frame.key as string) as Member[];
      members[members.length - 1].end = end;
      frame.key = undefined;
    } else {
      frame.index++;
    }
  };

  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const path = valuePath();
      if (stack.length >= maxDepth) return { duplicates: sorted(duplicates), tooDeep: path };
      startValue(i);
      stack.push({ path, isObject: c === OPEN_OBJECT, index: 0, members: new Map() });
      i++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      const frame = stack.pop() as Frame;
      for (const [key, members] of frame.members) {
        if (members.length < 2) continue;
        duplicates.push({ path: [...frame.path, key], values: members.map((m) => text.slice(m.start, m.end)), at: members[1].start });
      }
      i++;
      endValue(i);
    } else if (c === QUOTE) {
      const start = i++;
      for (let d = text.charCodeAt(i); d !== QUOTE; d = text.charCodeAt(i)) i += d === BACKSLASH ? 2 : 1;
      i++;
      const frame = top();
      if (frame?.isObject && frame.key === undefined) {
        const raw = text.slice(start, i);
        // Keys are compared as JSON.parse reads them: "na\u006De" is "name".
        frame.key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      } else {
        startValue(start);
        endValue(i);
      }
    } else {
      const start = i;
      while (i < text.length && !endsLiteral(text.charCodeAt(i))) i++;
      startValue(start);
      endValue(i);
    }
  }
  return { duplicates: sorted(duplicates) };
}

function sorted(duplicates: (DuplicateKey & { readonly at: number })[]): DuplicateKey[] {
  return [...duplicates].sort((a, b) => a.at - b.at).map(({ path, values }) => ({ path, values }));
}
