// Whether JSON.parse would accept a text, without calling it: a JSON.parse
// that fails costs ~17 µs (it builds a SyntaxError), so counting the bad lines
// of a 10 MB body of them would block the event loop for over a minute. The
// grammar of ECMA-404, scanned iteratively so deep nesting can't overflow the stack.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
// A container closes with its opening character plus 2: `{` 0x7b → `}` 0x7d, `[` 0x5b → `]` 0x5d.
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const MINUS = 0x2d;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** Characters allowed after a backslash, besides `u`: " \ / b f n r t */
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));

// Each scanner takes the position to start at and returns the position after
// what it read, or FAIL: plain functions of (text, position) keep V8 fast.
const FAIL = -1;

export function isJson(text: string): boolean {
  /** The containers open around the current position: OPEN_OBJECT or OPEN_ARRAY. */
  const open: number[] = [];
  let i = 0;
  for (;;) {
    // A value.
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      i = skipSpace(text, i + 1);
      if (text.charCodeAt(i) === c + 2)
        i++; // {} or []: a complete value
      else {
        open.push(c);
        if (c === OPEN_OBJECT) {
          i = memberName(text, i);
          if (i === FAIL) return false;
        }
        continue;
      }
    } else if (c === QUOTE) i = string(text, i);
    else if (c === MINUS || isDigit(c)) i = number(text, i);
    else if (text.startsWith("true", i) || text.startsWith("null", i)) i += 4;
    else if (text.startsWith("false", i)) i += 5;
    else return false;
    if (i === FAIL) return false;

    // After a value: close containers, or a comma and the next member.
    for (;;) {
      i = skipSpace(text, i);
      if (open.length === 0) return i === text.length;
      const container = open[open.length - 1]!;
      const next = text.charCodeAt(i++);
      if (next === container + 2) {
        open.pop();
        continue;
      }
      if (next !== COMMA) return false;
      if (container === OPEN_OBJECT) {
        i = memberName(text, i);
        if (i === FAIL) return false;
      }
      break;
    }
  }
}

function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  return i;
}

function string(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE) return FAIL;
  const n = text.length;
  for (i++; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return FAIL;
    if (c === BACKSLASH) {
      const e = text.charCodeAt(++i);
      if (e === 0x75 /* u */) {
        for (let k = 1; k <= 4; k++) if (!isHex(text.charCodeAt(i + k))) return FAIL;
        i += 4;
      } else if (!SIMPLE_ESCAPES.has(e)) return FAIL;
    }
  }
  return FAIL;
}

/** One or more digits from i. */
function digits(text: string, i: number): number {
  const start = i;
  while (isDigit(text.charCodeAt(i))) i++;
  return i > start ? i : FAIL;
}

function number(text: string, i: number): number {
  if (text.charCodeAt(i) === MINUS) i++;
  if (text.charCodeAt(i) === 0x30) i++;
  else {
    i = digits(text, i);
    if (i === FAIL) return FAIL;
  }
  if (text.charCodeAt(i) === 0x2e /* . */) {
    i = digits(text, i + 1);
    if (i === FAIL) return FAIL;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    const sign = text.charCodeAt(++i);
    if (sign === 0x2b || sign === MINUS) i++;
    return digits(text, i);
  }
  return i;
}

/** A member's `"name":`, with the space around it. */
function memberName(text: string, i: number): number {
  i = string(text, skipSpace(text, i));
  if (i === FAIL) return FAIL;
  i = skipSpace(text, i);
  return text.charCodeAt(i) === COLON ? i + 1 : FAIL;
}
