/**
 * Raw JSON slicing: find the exact source text of each top-level member of a
 * JSON object, so a producer's payload reaches clients byte for byte (big
 * integers, key order and number formatting survive; no parse/stringify
 * round trip).
 */
export type RawMembers = Map<string, string>;

/** Returns the raw text of each top-level member, or throws SyntaxError if `json` is not a JSON object. */
export function rawMembers(json: string): RawMembers {
  JSON.parse(json); // full validation; the scanner below may then assume well-formed input
  return scanMembers(json);
}

/**
 * The scanner of `rawMembers` without the validation: for JSON Herald wrote
 * itself (stored envelopes), where a full parse per message would be waste.
 */
export function scanMembers(json: string): RawMembers {
  const out: RawMembers = new Map();
  let i = skipWs(json, 0);
  if (json[i] !== '{') throw new SyntaxError('expected a JSON object');
  i = skipWs(json, i + 1);
  if (json[i] === '}') return out;
  for (;;) {
    const keyEnd = skipString(json, i);
    const key = JSON.parse(json.slice(i, keyEnd)) as string;
    i = skipWs(json, keyEnd);
    i = skipWs(json, i + 1); // ':'
    const valueEnd = skipValue(json, i);
    out.set(key, json.slice(i, valueEnd));
    i = skipWs(json, valueEnd);
    if (json[i] === ',') {
      i = skipWs(json, i + 1);
      continue;
    }
    return out; // '}'
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** `i` at an opening quote; returns the index after the closing quote. */
function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  throw new SyntaxError('unterminated string');
}

function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') j = skipString(s, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new SyntaxError('unterminated value');
  }
  let j = i;
  while (j < s.length && !',}] \n\r\t'.includes(s[j] as string)) j++;
  return j;
}
