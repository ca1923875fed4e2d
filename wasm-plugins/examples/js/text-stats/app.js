// text-stats-js: the Rust example text-stats, in JavaScript.
//
// It answers with the same JSON as the Rust tool for the same text: words, lines,
// characters, bytes and the most frequent words (ties in alphabetical order).

const SCHEMA = {
  type: 'object',
  properties: {
    text: { type: 'string', description: 'the text to analyse' },
    top: { type: 'integer', minimum: 0, maximum: 50, description: 'how many frequent words to list (default 3)' },
  },
  required: ['text'],
  additionalProperties: false,
};

// Runs of letters and digits, lowercased (Rust: split on non-alphanumeric).
function wordsOf(text) {
  return text.split(/[^\p{Alphabetic}\p{N}]+/u).filter((w) => w !== '').map((w) => w.toLowerCase());
}

// Rust's `str::lines().count()`: a final newline does not start a line.
function lineCount(text) {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.length;
}

// UTF-8 length, counted by code point.
function utf8Length(text) {
  let bytes = 0;
  for (const c of text) {
    const code = c.codePointAt(0);
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function stats(text, top) {
  const counts = new Map();
  for (const word of wordsOf(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  // Most frequent first; ties by code point order, as Rust compares strings.
  const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const frequent = [...counts].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0])).slice(0, top);
  // Keys in the order the Rust tool writes them (sorted).
  return {
    bytes: utf8Length(text),
    chars: [...text].length,
    lines: lineCount(text),
    top_words: frequent.map(([word, count]) => ({ count, word })),
    words: text.split(/\s+/).filter((w) => w !== '').length,
  };
}

export const tool = {
  listSpecs() {
    const description = 'Counts the words, lines and characters of a text and lists its most frequent words.';
    return [{ name: 'text_stats_js', description, parameters: JSON.stringify(SCHEMA), effect: 'read' }];
  },

  invoke(name, args) {
    // The host checked the arguments against SCHEMA: `text` is there, `top` in range.
    const { text, top = 3 } = JSON.parse(args);
    return JSON.stringify(stats(text, top));
  },
};
